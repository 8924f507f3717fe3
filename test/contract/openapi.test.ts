import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildHttpServer } from '../../src/server/http.js';
import { Readiness } from '../../src/runtime/readiness.js';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { Manager } from '../../src/runtime/manager.js';
import { RestClient } from '../../src/runtime/rest.js';
import { registerReadApi } from '../../src/server/api/routes.js';
import { registerNodeWrites } from '../../src/server/api/writes.js';
import { registerScheduleApi } from '../../src/server/api/schedule.js';
import { SchedulingState } from '../../src/placement/state.js';

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
    const rest = new RestClient(kc);
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
    expect(Object.keys(paths['/api/v1/schedule']!.post!.responses!).sort()).toEqual(['200', '201', '400', '403', '409']);
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

  it.each(['/api/v1/nodes', '/api/v1/clusters', '/api/v1/capacity', '/api/v1/pods'])('GET %s responds with a body that validates against the document', async (path) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(200);
    expect(validateAgainstDoc(path, 200, await res.json())).toEqual([]);
  });

  it('rejects a bad query value with 400 naming the parameter', async () => {
    const res = await fetch(`${base}/api/v1/pods?phase=Sleeping`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/querystring\/phase must be equal to one of the allowed values/);
  });

  it('the validation is real: a body missing a required field fails it', () => {
    expect(validateAgainstDoc('/health', 200, { status: 'ok' })).not.toEqual([]);
    expect(validateAgainstDoc('/readyz', 200, { ready: 'yes', checks: [] })).not.toEqual([]);
  });
});
