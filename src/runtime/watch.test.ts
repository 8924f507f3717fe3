import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { requestCredentials } from './credentials.js';
import { watchStream, type WatchEvent } from './watch.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An in-process HTTP server standing in for the apiserver; `handler` is swapped per test. */
let server: Server;
let handler: Handler = (_req, res) => res.end();
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function kubeConfig(token: string, server = url): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser({ name: 'c', server, skipTLSVerify: true }, { name: 'u', token });
  return kc;
}

describe('requestCredentials', () => {
  it('computes headers per request and shares one connection pool per KubeConfig', async () => {
    const kc = kubeConfig('t1');
    const a = await requestCredentials(kc);
    const b = await requestCredentials(kc);
    expect(a.headers.Authorization).toBe('Bearer t1');
    expect(b.dispatcher).toBe(a.dispatcher);
    kc.users[0] = { name: 'u', token: 't2' };
    const c = await requestCredentials(kc);
    expect(c.headers.Authorization).toBe('Bearer t2');
    expect(c.dispatcher).toBe(a.dispatcher);
  });

  it('opens a new pool when the cluster changes, and concurrent first requests share one', async () => {
    const kc = kubeConfig('t');
    const [a, b] = await Promise.all([requestCredentials(kc), requestCredentials(kc)]);
    expect(b.dispatcher).toBe(a.dispatcher);
    kc.clusters[0] = { name: 'c', server: url.replace('127.0.0.1', 'localhost'), skipTLSVerify: true };
    const c = await requestCredentials(kc);
    expect(c.server).toContain('localhost');
    expect(c.dispatcher).not.toBe(a.dispatcher);
  });
});

describe('watchStream', () => {
  it('parses events split across chunks, with the query and credentials', async () => {
    let seen: { url?: string; auth?: string } = {};
    handler = (req, res) => {
      seen = { url: req.url, auth: req.headers.authorization };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MODI');
      setTimeout(() => res.end('FIED","object":{"metadata":{"name":"b"}}}\n'), 20);
    };
    const events: Array<WatchEvent<{ metadata: { name: string } }>> = [];
    await watchStream<{ metadata: { name: string } }>(kubeConfig('tok'), '/api/v1/pods', (ev) => events.push(ev), { query: { resourceVersion: '7', labelSelector: undefined }, inactivityMs: 5000 });
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED a', 'MODIFIED b']);
    expect(seen.url).toBe('/api/v1/pods?watch=true&resourceVersion=7');
    expect(seen.auth).toBe('Bearer tok');
  });

  it('fails with the HTTP status of a refused watch (410 Gone → relist)', async () => {
    handler = (_req, res) => {
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', reason: 'Expired', message: 'too old resource version' }));
    };
    await expect(watchStream(kubeConfig('t'), '/api/v1/pods', () => undefined, { inactivityMs: 5000 })).rejects.toMatchObject({ code: 410, reason: 'Expired' });
  });

  it('fails with a TimeoutError when the server goes silent (watchdog)', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('\n');
    };
    await expect(watchStream(kubeConfig('t'), '/api/v1/pods', () => undefined, { inactivityMs: 100 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('stops with an AbortError when the caller aborts', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('\n');
    };
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 50);
    await expect(watchStream(kubeConfig('t'), '/api/v1/pods', () => undefined, { inactivityMs: 5000, signal: ctrl.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
