import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { agentAttach, kubeconfigAuthorization, parseTaskRef, startAttachForwarder } from './attach.js';

/** A stand-in for the operator's /attach route: records what reaches it. */
async function fakeOperator(status = 200): Promise<{ url: string; seen: Array<{ path?: string; auth?: string; upgrade?: boolean }>; server: Server }> {
  const seen: Array<{ path?: string; auth?: string; upgrade?: boolean }> = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url, auth: req.headers.authorization });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status === 200 ? { status: 'alive' } : { message: 'forbidden: lacks attach' }));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    seen.push({ path: req.url, auth: req.headers.authorization, upgrade: true });
    socket.end('HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: websocket\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, server };
}

const kubeconfig = (user: string) => `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443' } }]
users: [{ name: u, user: ${user} }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

describe('weft agent attach', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-attach-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('parses NS/NAME and says what it expects otherwise', () => {
    expect(parseTaskRef('agents/fix-login')).toEqual({ namespace: 'agents', name: 'fix-login' });
    expect(() => parseTaskRef('fix-login')).toThrow(/"fix-login" is not NAMESPACE\/NAME of an AgentTask, e\.g\. weft agent attach agents\/fix-login/);
  });

  it("takes the kubeconfig user's bearer token, and refuses a user without one", async () => {
    await writeFile(join(dir, 'token.yaml'), kubeconfig('{ token: abc }'));
    await writeFile(join(dir, 'cert.yaml'), kubeconfig('{ client-certificate-data: eA==, client-key-data: eA== }'));
    expect(await kubeconfigAuthorization(join(dir, 'token.yaml'))).toBe('Bearer abc');
    await expect(kubeconfigAuthorization(join(dir, 'cert.yaml'))).rejects.toThrow(/kubeconfig user "u" has no bearer token/);
  });

  it('forwards requests and WebSocket upgrades under /attach/<ns>/<name>/ with the token, on 127.0.0.1', async () => {
    const op = await fakeOperator();
    const f = await startAttachForwarder({ operatorUrl: op.url, namespace: 'agents', name: 'fix', authorization: 'Bearer t0k' });
    try {
      expect(f.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const r = await fetch(new URL('static/x.js?v=1', f.url), { headers: { authorization: 'Bearer not-this-one' } });
      expect(r.status).toBe(200);
      const code = await new Promise<number>((resolve, reject) => {
        const u = new URL(f.url);
        const req = request({ host: u.hostname, port: u.port, path: '/?reconnectionToken=1', headers: { connection: 'Upgrade', upgrade: 'websocket' } });
        req.on('upgrade', (res, socket) => (socket.destroy(), resolve(res.statusCode ?? 0)));
        req.on('error', reject);
        req.end();
      });
      expect(code).toBe(101);
      expect(op.seen).toEqual([
        { path: '/attach/agents/fix/static/x.js?v=1', auth: 'Bearer t0k' },
        { path: '/attach/agents/fix/?reconnectionToken=1', auth: 'Bearer t0k', upgrade: true },
      ]);
    } finally {
      await f.close();
      op.server.close();
    }
  });

  it("prints the local URL when the route answers, and the operator's refusal (exit 1) when it does not", async () => {
    await writeFile(join(dir, 'token.yaml'), kubeconfig('{ token: abc }'));
    for (const [status, exit] of [
      [200, 0],
      [403, 1],
    ] as const) {
      const op = await fakeOperator(status);
      const out: string[] = [];
      const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
      const code = await agentAttach('agents/fix', { operatorUrl: op.url, kubeconfig: join(dir, 'token.yaml') }, io, async () => undefined);
      op.server.close();
      expect(code).toBe(exit);
      expect(out.join('')).toMatch(status === 200 ? /code-server of AgentTask agents\/fix: http:\/\/127\.0\.0\.1:\d+\// : /weft agent attach agents\/fix: HTTP 403: forbidden: lacks attach/);
    }
  });
});
