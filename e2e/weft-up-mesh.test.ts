import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/cluster/ports.js';
import { eventually } from '../test/harness/eventually.js';
import { withDiagnostics } from '../test/harness/diagnostics.js';
import { processesMentioning, requireBuild, startWeft } from './helpers.js';

/** An HTTPS call to the operator with an optional client certificate (`as`, a device) and bearer token. */
async function call(url: string, method: string, dir: string, who: { as?: string; token?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const ca = await readFile(join(dir, 'ca.crt'), 'utf8');
  const tls = who.as ? { cert: await readFile(join(dir, `${who.as}.crt`), 'utf8'), key: await readFile(join(dir, `${who.as}.key`), 'utf8') } : {};
  const headers = who.token ? { authorization: `Bearer ${who.token}` } : {};
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, ...tls, headers, agent: false }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(b) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('weft up --mesh=headscale (real Headscale and tailscaled)', () => {
  let home: string;
  beforeAll(async () => {
    requireBuild();
    home = await mkdtemp(join(tmpdir(), 'weft-e2e-mesh-'));
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('lists the tailnet devices with their tags; an untagged caller is refused a write, tag:operator succeeds', async () => {
    const port = await freePort();
    const weft = startWeft(['up', '--mesh', 'headscale', '--http-addr', `127.0.0.1:${port}`, '--log-level', 'error'], { WEFT_HOME: home });
    const base = `https://127.0.0.1:${port}`;
    const certs = join(home, 'mesh');
    try {
      await withDiagnostics(async () => {
        await weft.waitFor(/Press Ctrl-C to stop everything/, 180_000);
        expect(weft.output()).toMatch(/mesh\s+Headscale http:\/\/127\.0\.0\.1:\d+, devices: .*weft-operator 100\.64\.0\.1/);

        // Reads need a certificate from the operator CA (HTTPS) and RBAC: alice's laptop, as the printed viewer.
        const viewer = weft.output().match(/^\s+viewer\s+(\S+)$/m)![1]!;
        expect((await call(`${base}/api/v1/nodes`, 'GET', certs)).status).toBe(401);
        const nodes = await eventually(async () => {
          const r = await call(`${base}/api/v1/nodes`, 'GET', certs, { as: 'laptop', token: viewer });
          const items = r.body.items as Array<{ name: string; tailnet: { tags?: string[]; online?: boolean } }>;
          expect(items.map((i) => i.name).sort()).toEqual(['laptop', 'weft-operator', 'worker-1', 'worker-2']);
          expect(items.every((i) => i.tailnet.online)).toBe(true);
          return items;
        }, { timeoutMs: 30_000 });
        expect(nodes.find((n) => n.name === 'weft-operator')!.tailnet.tags).toEqual(['tag:operator']);
        expect(nodes.find((n) => n.name === 'worker-1')!.tailnet.tags).toEqual(['tag:workload']);
        expect(nodes.find((n) => n.name === 'laptop')!.tailnet.tags).toEqual([]);

        const denied = await call(`${base}/api/v1/nodes/worker-1/cordon`, 'POST', certs, { as: 'laptop' });
        expect(denied.status).toBe(403);
        expect(denied.body).toMatchObject({ reason: expect.stringMatching(/alice@ → tag:operator/), rule: null });
        const anonymous = await call(`${base}/api/v1/nodes/worker-1/cordon`, 'POST', certs);
        expect(anonymous.status).toBe(403);
        const allowed = await call(`${base}/api/v1/nodes/worker-1/cordon`, 'POST', certs, { as: 'weft-operator' });
        expect(allowed).toEqual({ status: 200, body: { name: 'worker-1', unschedulable: true } });
      });
    } finally {
      weft.child.kill('SIGINT');
    }
    expect(await weft.exited).toBe(0);
    await eventually(() => expect(processesMentioning(home)).toEqual([]), { timeoutMs: 20_000 });
  });
});
