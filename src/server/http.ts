import type { SecureContextOptions } from 'node:tls';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { Readiness } from '../runtime/readiness.js';
import { errorSchema, healthSchema, rbacDenialSchema, readyzSchema, securitySchemes } from './schemas.js';
import { ACCESS_GUARD_DECORATOR } from './dashboard/guard.js';
import { versionInfo } from '../version.js';

export interface HttpServerOptions {
  logger: Logger;
  readiness?: Readiness;
  /** Prometheus registry; a fresh one (with process metrics) when omitted. */
  metrics?: Registry;
  /** Serve HTTPS with these TLS options (e.g. mTLS with the operator CA). */
  https?: SecureContextOptions & { requestCert?: boolean; rejectUnauthorized?: boolean };
  /** Registers further routes (API, dashboard) before the server is ready. */
  routes?: (app: FastifyInstance) => Promise<void> | void;
}

/** Open routes: no credentials, `security: []` in the OpenAPI document. */
const OPEN = [] as const;

/**
 * Every route under `/api/` must say which RBAC permissions it needs (`config.weftAccess`, enforced
 * by the access guard): a route that does not is a startup error, not an open door. Its OpenAPI
 * replies gain 401 (Error) and 403 (RbacDenial) unless it declares its own.
 */
function requireAccessOnApiRoutes(app: FastifyInstance): { count(): number } {
  let guarded = 0;
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    if (!route.config?.weftAccess && !route.config?.weftPodToken) {
      throw new Error(`${String(route.method)} ${route.url} declares no config.weftAccess: every /api/ route needs the RBAC permissions it checks, or config.weftPodToken when it verifies a pod token itself (see src/server/dashboard/guard.ts)`);
    }
    guarded++;
    if (route.schema?.response) {
      route.schema = { ...route.schema, response: { 401: { $ref: 'Error#' }, 403: { $ref: 'RbacDenial#' }, ...(route.schema.response as object) } };
    }
  });
  return { count: () => guarded };
}

/**
 * Builds the operator's HTTP server: `/health`, `/readyz`, `/metrics`, `/openapi.json` (open), plus
 * the guarded `/api/` routes of `opts.routes`. Not yet listening: call `app.listen()` or use
 * `app.inject()` in tests.
 */
export async function buildHttpServer(opts: HttpServerOptions): Promise<FastifyInstance> {
  const readiness = opts.readiness ?? new Readiness();
  const metrics = opts.metrics ?? newMetricsRegistry();
  const started = Date.now();
  const { version } = versionInfo();
  const app = Fastify({
    ...(opts.https ? { https: opts.https } : {}),
    loggerInstance: opts.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Probes hit /health and /readyz every few seconds: per-request logs would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.addSchema(errorSchema);
  app.addSchema(rbacDenialSchema);
  const api = requireAccessOnApiRoutes(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Weft operator API',
        version,
        description: 'Health, metrics and the Weft control-plane API. /health, /readyz, /metrics and /openapi.json are open; every /api/ route needs a Kubernetes bearer token (TokenReview) or an operator-CA client certificate, and the RBAC permissions it names (SubjectAccessReview): 401 without credentials, 403 naming the missing permission.',
      },
      // mutualTLS is OpenAPI 3.1; @fastify/swagger's types know the 3.0 schemes only.
      components: { securitySchemes: securitySchemes as unknown as Record<string, { type: 'http'; scheme: string }> },
      security: [{ bearerAuth: [] }, { operatorCA: [] }],
      tags: [
        { name: 'health', description: 'Liveness, readiness and metrics' },
        { name: 'mesh', description: 'Nodes, clusters, capacity and pods of the mesh' },
      ],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  app.get('/health', {
    schema: { tags: ['health'], summary: 'Liveness', operationId: 'getHealth', security: OPEN, response: { 200: healthSchema } },
    handler: async () => ({ status: 'ok' as const, version, uptimeSeconds: (Date.now() - started) / 1000 }),
  });
  app.get('/readyz', {
    schema: {
      tags: ['health'],
      summary: 'Readiness',
      operationId: 'getReadyz',
      security: OPEN,
      response: { 200: readyzSchema, 503: readyzSchema },
    },
    handler: async (_req, reply) => {
      const result = await readiness.evaluate();
      return reply.code(result.ready ? 200 : 503).send(result);
    },
  });
  app.get('/metrics', {
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics',
      operationId: 'getMetrics',
      security: OPEN,
      produces: ['text/plain'],
      response: { 200: { type: 'string', description: 'Prometheus text exposition format.' } },
    },
    handler: async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'NotFound', message: `no route ${req.method} ${req.url}; see /openapi.json`, statusCode: 404 }),
  );
  if (opts.routes) await opts.routes(app);
  if (api.count() > 0 && !app.hasDecorator(ACCESS_GUARD_DECORATOR)) {
    throw new Error('routes under /api/ are registered without the access guard: call registerAccessGuard (src/server/dashboard/guard.ts)');
  }
  await app.ready();
  return app;
}

/** A Prometheus registry with the default process metrics, prefixed `weft_`. */
export function newMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'weft_' });
  return registry;
}
