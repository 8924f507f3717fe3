import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { LightKubeConfig } from './kubeconfig.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-kubeconfig-'));
  for (const [f, text] of Object.entries({ 'ca.crt': 'CA-PEM', 'client.crt': 'CERT-PEM', 'client.key': 'KEY-PEM', token: 'file-token' })) writeFileSync(join(dir, f), text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A one-context kubeconfig with `cluster` and `user` fields. */
const kubeconfig = (cluster: Record<string, unknown>, user: Record<string, unknown>) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443/', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'ns' } }],
    'current-context': 'ctx',
  });

/** What a request gets from `applyToHTTPSOptions`, comparable across implementations. */
async function applied(kc: { applyToHTTPSOptions(o: RequestOptions): Promise<void> }) {
  const o: RequestOptions = {};
  await kc.applyToHTTPSOptions(o);
  const str = (v: unknown) => (v === undefined ? undefined : String(v));
  return { ca: str(o.ca), cert: str(o.cert), key: str(o.key), headers: o.headers ?? {}, auth: o.auth, rejectUnauthorized: o.rejectUnauthorized, servername: o.servername };
}

describe('LightKubeConfig applies credentials as client-node does', () => {
  const futureJwt = ['{"alg":"none"}', JSON.stringify({ exp: 4_000_000_000 }), ''].map((p) => Buffer.from(p).toString('base64url')).join('.') + 'sig';
  it.each([
    ['client certificate data', { 'certificate-authority-data': b64('CA-PEM') }, { 'client-certificate-data': b64('CERT-PEM'), 'client-key-data': b64('KEY-PEM') }],
    ['files relative to the kubeconfig', { 'certificate-authority': 'ca.crt' }, { 'client-certificate': 'client.crt', 'client-key': 'client.key' }],
    ['bearer token', {}, { token: 'abc' }],
    ['token-file', {}, { 'token-file': '' }],
    ['basic auth and impersonation', { 'insecure-skip-tls-verify': true }, { username: 'me', password: 'pw', as: 'someone' }],
    ['tls-server-name', { 'tls-server-name': 'api.internal', 'certificate-authority-data': b64('CA-PEM') }, { token: 't' }],
    ['oidc auth-provider (delegated to client-node)', {}, { 'auth-provider': { name: 'oidc', config: { 'id-token': futureJwt, 'idp-issuer-url': 'https://idp.invalid' } } }],
  ])('%s', async (_name, cluster, user) => {
    if ('token-file' in user) user['token-file'] = join(dir, 'token');
    const path = join(dir, `kubeconfig-${Math.random()}`);
    writeFileSync(path, kubeconfig(cluster, user));
    const [light, full] = [new LightKubeConfig(), new KubeConfig()];
    light.loadFromFile(path);
    full.loadFromFile(path);
    expect(light.getCurrentCluster()).toEqual(full.getCurrentCluster());
    expect(await applied(light)).toEqual(await applied(full));
  });

  it('reads an in-cluster ServiceAccount token file again after a minute (projected tokens rotate)', async () => {
    const sa = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'one');
    writeFileSync(join(sa, 'namespace'), 'weft-system');
    writeFileSync(join(sa, 'ca.crt'), 'CA-PEM');
    const env = { ...process.env };
    Object.assign(process.env, { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' });
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const kc = new LightKubeConfig();
      kc.loadFromCluster(dir);
      expect(kc.getCurrentCluster()?.server).toBe('https://[fd00::1]:443');
      expect(kc.getCurrentContextObject()?.namespace).toBe('weft-system');
      expect(await applied(kc)).toMatchObject({ ca: 'CA-PEM', headers: { Authorization: 'Bearer one' } });
      writeFileSync(join(sa, 'token'), 'two');
      jest.setSystemTime(1_030_000);
      expect((await applied(kc)).headers).toEqual({ Authorization: 'Bearer one' });
      jest.setSystemTime(1_061_000);
      expect((await applied(kc)).headers).toEqual({ Authorization: 'Bearer two' });
    } finally {
      jest.useRealTimers();
      process.env = env;
    }
  });
});

describe('LightKubeConfig loading', () => {
  it('merges $KUBECONFIG files as client-node does: a later current-context wins, duplicates fail', () => {
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    writeFileSync(a, kubeconfig({}, { token: 'a' }));
    writeFileSync(b, stringify({ clusters: [{ name: 'c2', cluster: { server: 'https://b' } }], users: [{ name: 'u2', user: { token: 'b' } }], contexts: [{ name: 'ctx2', context: { cluster: 'c2', user: 'u2' } }], 'current-context': 'ctx2' }));
    const kc = new LightKubeConfig();
    kc.loadFromDefault({ KUBECONFIG: [a, b].join(':') });
    expect(kc.getCurrentCluster()?.server).toBe('https://b');
    expect(kc.getCurrentUser()?.token).toBe('b');
    expect(() => new LightKubeConfig().loadFromDefault({ KUBECONFIG: [a, a].join(':') })).toThrow('Duplicate cluster: c');
  });

  it.each([
    ['a cluster without a server', { clusters: [{ name: 'c', cluster: {} }] }, 'clusters[0].cluster.server is missing'],
    ['a user without a name', { users: [{ user: {} }] }, 'users[0].name is missing'],
    ['a context without a cluster', { contexts: [{ name: 'x', context: { user: 'u' } }] }, 'contexts[0].context.cluster is missing'],
  ])('rejects %s with the entry named', (_name, doc, message) => {
    expect(() => new LightKubeConfig().loadFromString(stringify(doc))).toThrow(message);
  });

  it('gives the same configuration as a client-node KubeConfig (for generated API clients)', async () => {
    const kc = new LightKubeConfig();
    kc.loadFromString(kubeconfig({}, { token: 'abc' }));
    const full = await kc.toClientNode();
    expect(full).toBeInstanceOf(KubeConfig);
    expect(full.getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
    expect(full.getCurrentUser()?.token).toBe('abc');
    expect(await kc.toClientNode()).toBe(full);
  });
});
