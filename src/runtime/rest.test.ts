import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { RestClient } from './rest.js';

describe('RestClient: 429 with Retry-After', () => {
  let server: Server;
  let calls = 0;
  let busyFor = 0;
  let rest: RestClient;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      calls++;
      if (calls <= busyFor) {
        res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', reason: 'TooManyRequests', message: 'storage is (re)initializing' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"ConfigMapList","items":[],"metadata":{}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    rest = new RestClient(kc);
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    calls = 0;
  });

  it('is retried (storage re-initializing after a CRD change) and then succeeds', async () => {
    busyFor = 2;
    await expect(rest.request('GET', '/api/v1/configmaps')).resolves.toMatchObject({ kind: 'ConfigMapList' });
    expect(calls).toBe(3);
  });

  it('gives up after 5 tries with the apiserver\'s message', async () => {
    busyFor = 100;
    await expect(rest.request('GET', '/api/v1/configmaps')).rejects.toThrow('storage is (re)initializing');
    expect(calls).toBe(5);
  });
});
