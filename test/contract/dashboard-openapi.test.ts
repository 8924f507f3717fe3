import { request } from 'node:https';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createCA, issueCertificate, type CertificateAuthority, type KeyPairPem } from '../../src/cluster/pki.js';
import { mtlsServerOptions } from '../../src/pki/mtls.js';
import { Manager } from '../../src/runtime/manager.js';
import type { RestClient } from '../../src/runtime/rest.js';
import { registerReadApi } from '../../src/server/api/routes.js';
import { registerNodeWrites } from '../../src/server/api/writes.js';
import { registerDashboard } from '../../src/server/dashboard/routes.js';
import { buildHttpServer } from '../../src/server/http.js';
import { fakeReviews } from './fake-reviews.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

async function server(rest: RestClient, https?: ReturnType<typeof mtlsServerOptions>): Promise<{ app: FastifyInstance; base: string }> {
  // Informer caches that are never started: empty, but every route and schema is there.
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'none', server: 'https://127.0.0.1:1' }], users: [{ name: 'none' }], contexts: [{ name: 'none', cluster: 'none', user: 'none' }], currentContext: 'none' });
  const log = pino({ level: 'silent' });
  const mgr = new Manager(kc, { log, metrics: new Registry() });
  const app = await buildHttpServer({
    logger: log,
    ...(https ? { https: { ...https, rejectUnauthorized: false } } : {}),
    routes: (a) => {
      registerReadApi(a, { mgr, rest });
      registerNodeWrites(a, rest);
      registerDashboard(a, { mgr, rest, log, ui: false });
    },
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base };
}

describe('dashboard API contract (/openapi.json)', () => {
  let app: FastifyInstance;
  let base: string;
  let rest: RestClient & { reviews: number };
  let doc: Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    rest = fakeReviews();
    ({ app, base } = await server(rest));
    doc = (await (await fetch(`${base}/openapi.json`)).json()) as typeof doc;
  });
  afterAll(async () => app.close());

  const DASHBOARD_PATHS = ['/api/v1/dashboard/me', '/api/v1/dashboard/overview', '/api/v1/dashboard/nodes', '/api/v1/dashboard/nodes/{name}', '/api/v1/dashboard/clusters', '/api/v1/dashboard/clusters/{namespace}/{name}', '/api/v1/dashboard/workloads', '/api/v1/dashboard/workloads/{namespace}/{name}', '/api/v1/dashboard/stream', '/api/v1/workloads/{namespace}/{name}'];

  it('documents every dashboard route, and no UI page', () => {
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(DASHBOARD_PATHS));
    for (const hidden of ['/', '/nodes', '/assets/{*}', '/login']) expect(doc.paths).not.toHaveProperty(hidden);
  });

  it('matches the committed snapshot (update deliberately with `jest -u` when the API changes)', () => {
    const paths = Object.fromEntries(DASHBOARD_PATHS.map((p) => [p, doc.paths[p]]));
    const schemas = Object.fromEntries(Object.entries((doc.components as { schemas: Record<string, unknown> }).schemas).filter(([k]) => /^(Dashboard|RbacDenial)/.test(k)));
    expect({ paths, schemas }).toMatchSnapshot();
  });

  /** Validates a real response body against the schema the document declares for it. */
  function validate(path: string, method: string, status: number, body: unknown): string[] {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...doc, $id: 'openapi' });
    const v = ajv.compile({ $ref: `openapi#/paths/${path.replace(/\//g, '~1')}/${method}/responses/${status}/content/application~1json/schema` });
    return v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  }

  it.each([
    ['/api/v1/dashboard/me', '/api/v1/dashboard/me'],
    ['/api/v1/dashboard/overview', '/api/v1/dashboard/overview'],
    ['/api/v1/dashboard/nodes', '/api/v1/dashboard/nodes?org=acme&tag=gpu:t4'],
    ['/api/v1/dashboard/clusters', '/api/v1/dashboard/clusters'],
    ['/api/v1/dashboard/workloads', '/api/v1/dashboard/workloads?phase=Pending'],
  ])('GET %s (200 and 401) responds with bodies that validate against the document', async (path, url) => {
    const ok = await fetch(base + url, { headers: { authorization: 'Bearer viewer-token' } });
    expect(ok.status).toBe(200);
    expect(validate(path, 'get', 200, await ok.json())).toEqual([]);
    const anon = await fetch(base + url);
    expect(anon.status).toBe(401);
    expect(validate(path, 'get', 401, await anon.json())).toEqual([]);
  });

  it('a 403 names the missing permission and validates against the document', async () => {
    const res = await fetch(`${base}/api/v1/workloads/team-a/train`, { method: 'DELETE', headers: { authorization: 'Bearer viewer-token' } });
    expect(res.status).toBe(403);
    const body = await res.json();
    expect(body).toMatchObject({ error: 'Forbidden', missing: { verb: 'delete', resource: 'workloads', group: 'weft.dev', namespace: 'team-a', name: 'train' } });
    expect(validate('/api/v1/workloads/{namespace}/{name}', 'delete', 403, body)).toEqual([]);
  });

  it('a detail of an object not in the cache is 404 saying it may have been deleted', async () => {
    const res = await fetch(`${base}/api/v1/dashboard/nodes/gone`, { headers: { authorization: 'Bearer viewer-token' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'NotFound', message: 'MeshNode "gone" not found: it does not exist or was deleted' });
  });

  it('rejects bad path parameters with 400 naming them', async () => {
    const res = await fetch(`${base}/api/v1/dashboard/clusters/${'x'.repeat(64)}/y`, { headers: { authorization: 'Bearer viewer-token' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/params\/namespace must NOT have more than 63 characters/);
  });

  it('reviews a token once for a burst of requests (cached)', async () => {
    const before = rest.reviews;
    await Promise.all(Array.from({ length: 10 }, () => fetch(`${base}/api/v1/dashboard/nodes`, { headers: { authorization: 'Bearer admin-token' } })));
    // One TokenReview and two SubjectAccessReviews (list, get) for all ten.
    expect(rest.reviews - before).toBe(3);
  });

  it('keeps /health, /readyz, /metrics and /openapi.json open', async () => {
    for (const p of ['/health', '/metrics', '/openapi.json']) expect((await fetch(base + p)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503); // nothing registered a check: open, just not ready
  });
});

describe('dashboard API over mTLS (real TLS on loopback)', () => {
  let ca: CertificateAuthority;
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    ca = await createCA('weft-operator-ca');
    const serving = await issueCertificate(ca, { commonName: 'weft-operator', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server' });
    ({ app } = await server(fakeReviews(), mtlsServerOptions(serving, ca.certPem)));
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => app.close());

  const get = (path: string, client?: KeyPairPem, token?: string) =>
    new Promise<{ status?: number; body?: string; error?: string }>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, ca: ca.certPem, cert: client?.certPem, key: client?.keyPem, servername: 'localhost', agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', (err) => resolve({ error: err.message }));
      req.end();
    });

  it('refuses a connection without a client certificate (401 naming the operator CA), token or not', async () => {
    for (const token of [undefined, 'viewer-token']) {
      const r = await get('/api/v1/dashboard/nodes', undefined, token);
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body!).message).toMatch(/needs a client certificate issued by the operator CA/);
    }
  });

  it('refuses a certificate from another CA', async () => {
    const evil = await issueCertificate(await createCA('evil'), { commonName: 'viewer', usage: 'client' });
    expect((await get('/api/v1/dashboard/nodes', evil, 'viewer-token')).status).toBe(401);
  });

  it('serves a client with a certificate from the operator CA; the certificate CN is the user without a token', async () => {
    const viewer = await issueCertificate(ca, { commonName: 'viewer', organizations: ['weft:viewers'], usage: 'client' });
    const me = await get('/api/v1/dashboard/me', viewer);
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body!)).toMatchObject({ user: { username: 'viewer', groups: ['weft:viewers', 'system:authenticated'] }, via: 'certificate', can: { view: true, cordon: false } });
    expect((await get('/api/v1/dashboard/nodes', viewer, 'admin-token')).status).toBe(200);
  });

  it("does not let a certificate claim the cluster's built-in groups (system:masters)", async () => {
    const sneaky = await issueCertificate(ca, { commonName: 'mallory', organizations: ['system:masters', 'weft:viewers'], usage: 'client' });
    const me = JSON.parse((await get('/api/v1/dashboard/me', sneaky)).body!);
    expect(me.user.groups).toEqual(['weft:viewers', 'system:authenticated']);
  });
});
