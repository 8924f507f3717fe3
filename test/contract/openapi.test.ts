import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildHttpServer } from '../../src/server/http.js';
import { Readiness } from '../../src/runtime/readiness.js';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { Manager } from '../../src/runtime/manager.js';
import type { RestClient } from '../../src/runtime/rest.js';
import { registerReadApi } from '../../src/server/api/routes.js';
import { registerNodeWrites } from '../../src/server/api/writes.js';
import { registerScheduleApi } from '../../src/server/api/schedule.js';
import { SchedulingState } from '../../src/placement/state.js';
import { fakeReviews } from './fake-reviews.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The operator's OpenAPI document, the contract between the operator and its clients. */
describe('HTTP API contract (/openapi.json)', () => {
  let app: FastifyInstance;
  let base: string;
  let doc: Record<string, unknown> & { paths: Record<string, unknown> };
  const readiness = new Readiness();

  beforeAll(async () => {
    // The read API over informer caches that are never started: empty, but with every route and schema.
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'none', server: 'https://127.0.0.1:1' }],
      users: [{ name: 'none' }],
      contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
      currentContext: 'none',
    });
    const logger = pino({ level: 'silent' });
    const mgr = new Manager(kc, { log: logger, metrics: new Registry() });
    // TokenReviews and SubjectAccessReviews answered by a stand-in (test/integration asks real RBAC).
    const rest = fakeReviews() as RestClient;
    app = await buildHttpServer({
      logger,
      readiness,
      routes: (a) => {
        registerReadApi(a, { mgr, rest });
        registerNodeWrites(a, rest);
        registerScheduleApi(a, { scheduling: new SchedulingState(mgr, logger), rest });
      },
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    doc = (await (await fetch(`${base}/openapi.json`)).json()) as typeof doc;
  });
  afterAll(async () => app.close());

  it('matches the committed snapshot (update deliberately with `jest -u` when the API changes)', () => {
    const stable = { ...doc, info: { ...(doc.info as object), version: '<version>' } };
    expect(stable).toMatchSnapshot();
  });

  it('documents POST /api/v1/schedule with its request and reply', () => {
    const paths = doc.paths as Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown> }>>;
    expect(paths['/api/v1/schedule']?.post?.operationId).toBe('scheduleWorkload');
    expect(Object.keys(paths['/api/v1/schedule']!.post!.responses!).sort()).toEqual(['200', '201', '400', '401', '403', '409']);
  });

  it('is OpenAPI 3.1 and documents the health routes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(expect.arrayContaining(['/health', '/metrics', '/readyz', '/api/v1/nodes', '/api/v1/clusters', '/api/v1/capacity', '/api/v1/pods']));
    expect(doc.paths).not.toHaveProperty('/openapi.json');
  });

  /** Validates a real response body against the schema the document declares for it. */
  function validateAgainstDoc(path: string, status: number, body: unknown): string[] {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...doc, $id: 'openapi' });
    const ptr = `openapi#/paths/${path.replace(/\//g, '~1')}/get/responses/${status}/content/application~1json/schema`;
    const validate = ajv.getSchema(ptr) ?? ajv.compile({ $ref: ptr });
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  }

  it('GET /health responds with a body that validates against the document', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(validateAgainstDoc('/health', 200, await res.json())).toEqual([]);
  });

  it('GET /readyz (503 and 200) responds with bodies that validate against the document', async () => {
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(validateAgainstDoc('/readyz', 503, await notReady.json())).toEqual([]);

    readiness.register('apiserver', () => ({ ok: true, message: 'reachable' }));
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(validateAgainstDoc('/readyz', 200, await ready.json())).toEqual([]);
  });

  const viewer = { authorization: 'Bearer viewer-token' };

  it.each(['/api/v1/nodes', '/api/v1/clusters', '/api/v1/capacity', '/api/v1/pods'])('GET %s (200 and 401) responds with bodies that validate against the document', async (path) => {
    const res = await fetch(`${base}${path}`, { headers: viewer });
    expect(res.status).toBe(200);
    expect(validateAgainstDoc(path, 200, await res.json())).toEqual([]);
    const anonymous = await fetch(`${base}${path}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="weft"');
    expect(validateAgainstDoc(path, 401, await anonymous.json())).toEqual([]);
    expect((await fetch(`${base}${path}`, { method: 'HEAD' })).status).toBe(401); // fastify's HEAD twin too
  });

  it('a token the apiserver rejects is 401; a permission the user lacks is 403 naming it and how to grant it', async () => {
    const res = await fetch(`${base}/api/v1/pods?cluster=team-a/edge`, { headers: { authorization: 'Bearer nobody-token' } });
    expect(res.status).toBe(401); // a token the apiserver rejects
    // The stand-in lets viewers get and list only: placing a Workload is creating one.
    const denied = await fetch(`${base}/api/v1/schedule`, { method: 'POST', headers: { ...viewer, 'content-type': 'application/json' }, body: JSON.stringify({ dryRun: true, workload: { metadata: { name: 'x', namespace: 'team-a' } } }) });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: 'Forbidden', reason: expect.stringContaining('lacks the RBAC permission create workloads.weft.dev in namespace "team-a"'), rule: null });
  });

  it('documents how to authenticate: bearer token or operator-CA certificate on /api/, nothing on the health routes', () => {
    expect((doc.components as { securitySchemes: Record<string, { type: string }> }).securitySchemes).toMatchObject({ bearerAuth: { type: 'http' }, operatorCA: { type: 'mutualTLS' } });
    expect(doc.security).toEqual([{ bearerAuth: [] }, { operatorCA: [] }]);
    const paths = doc.paths as Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
    for (const p of ['/health', '/readyz', '/metrics']) expect(paths[p]!.get!.security).toEqual([]);
    for (const [p, ops] of Object.entries(paths).filter(([p]) => p.startsWith('/api/'))) {
      for (const [m, op] of Object.entries(ops)) expect({ op: `${m} ${p}`, security: op.security, has: ['401', '403'].map((c) => c in op.responses) }).toEqual({ op: `${m} ${p}`, security: undefined, has: [true, true] });
    }
  });

  it('refuses to start with an /api/ route that declares no RBAC permissions, or with no access guard', async () => {
    const logger = pino({ level: 'silent' });
    await expect(buildHttpServer({ logger, routes: (a) => void a.get('/api/v1/open', async () => ({})) })).rejects.toThrow(/GET \/api\/v1\/open declares no config.weftAccess/);
    await expect(buildHttpServer({ logger, routes: (a) => void a.get('/api/v1/x', { config: { weftAccess: () => [] } }, async () => ({})) })).rejects.toThrow(/without the access guard/);
  });

  it('rejects a bad query value with 400 naming the parameter', async () => {
    const res = await fetch(`${base}/api/v1/pods?phase=Sleeping`, { headers: viewer });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/querystring\/phase must be equal to one of the allowed values/);
  });

  it('the validation is real: a body missing a required field fails it', () => {
    expect(validateAgainstDoc('/health', 200, { status: 'ok' })).not.toEqual([]);
    expect(validateAgainstDoc('/readyz', 200, { ready: 'yes', checks: [] })).not.toEqual([]);
  });
});
