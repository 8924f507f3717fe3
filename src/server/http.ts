import type { SecureContextOptions } from 'node:tls';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { Readiness } from '../runtime/readiness.js';
import { errorSchema, healthSchema, readyzSchema } from './schemas.js';
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

/**
 * Builds the operator's HTTP server: `/health`, `/readyz`, `/metrics`, `/openapi.json`, plus the
 * routes later issues add. Not yet listening: call `app.listen()` or use `app.inject()` in tests.
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
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Weft operator API', version, description: 'Health, metrics and the Weft control-plane API.' },
      tags: [
        { name: 'health', description: 'Liveness, readiness and metrics' },
        { name: 'mesh', description: 'Nodes, clusters, capacity and pods of the mesh' },
      ],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  app.get('/health', {
    schema: { tags: ['health'], summary: 'Liveness', operationId: 'getHealth', response: { 200: healthSchema } },
    handler: async () => ({ status: 'ok' as const, version, uptimeSeconds: (Date.now() - started) / 1000 }),
  });
  app.get('/readyz', {
    schema: {
      tags: ['health'],
      summary: 'Readiness',
      operationId: 'getReadyz',
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
  await app.ready();
  return app;
}

/** A Prometheus registry with the default process metrics, prefixed `weft_`. */
export function newMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'weft_' });
  return registry;
}
