/**
 * The admission webhook server: HTTPS with a serving certificate from the operator CA that renews
 * itself (no restart), `POST /validate` and `POST /mutate` taking `admission.k8s.io/v1`
 * AdmissionReviews. Any exception inside a decision becomes a denial that says so, never a 500
 * (the apiserver would report that as an opaque webhook failure).
 */
import type { Http2SecureServer } from 'node:http2';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import type { CertificateAuthority } from '../cluster/pki.js';
import { secureContextFor } from '../pki/mtls.js';
import { RotatingCertificate } from '../pki/rotating.js';
import { errorMessage } from '../runtime/errors.js';
import type { AdmissionRequest, AdmissionResponse } from './review.js';

export interface WebhookServerOptions {
  host: string;
  port: number;
  ca: CertificateAuthority;
  /** DNS names for the serving certificate besides localhost (e.g. the Service's). */
  dnsNames?: string[];
  validate: (req: AdmissionRequest) => AdmissionResponse | Promise<AdmissionResponse>;
  mutate: (req: AdmissionRequest) => AdmissionResponse | Promise<AdmissionResponse>;
  log: Logger;
  metrics?: Registry;
}

export interface WebhookServer {
  /** `https://host:port` as the apiserver should call it. */
  url: string;
  serving: RotatingCertificate;
  stop(): Promise<void>;
}

interface AdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: AdmissionRequest;
}

/** Starts the webhook server. */
export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const serving = new RotatingCertificate(o.ca, {
    commonName: 'weft-webhook',
    dnsNames: ['localhost', ...(o.dnsNames ?? [])],
    ipAddresses: ['127.0.0.1', '::1'],
    usage: 'server',
    validDays: 30,
  });
  await serving.start();
  const pair = serving.current();
  // HTTP/2 (HTTP/1.1 still accepted): the apiserver multiplexes its calls over one connection instead
  // of opening, and handshaking, a new TLS connection for most of them under load.
  const app = Fastify({
    http2: true,
    https: { allowHTTP1: true, cert: pair.certPem, key: pair.keyPem, minVersion: 'TLSv1.2' },
    loggerInstance: o.log.child({ component: 'webhook' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 8 * 1024 * 1024,
  });
  serving.onRotate((p) => (app.server as unknown as Http2SecureServer).setSecureContext(secureContextFor(p, o.ca.certPem)));
  const latency = o.metrics
    ? new Histogram({
        name: 'weft_webhook_duration_seconds',
        help: 'Time to answer one AdmissionReview',
        labelNames: ['webhook', 'kind', 'allowed'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
        registers: [o.metrics],
      })
    : undefined;

  const route = (path: '/validate' | '/mutate', decide: WebhookServerOptions['validate']) =>
    app.post(path, async (req, reply) => {
      const started = process.hrtime.bigint();
      const review = req.body as AdmissionReview;
      const request = review?.request;
      if (!request?.uid) return reply.code(400).send({ error: 'BadRequest', message: 'expected an admission.k8s.io/v1 AdmissionReview with a request.uid' });
      let response: AdmissionResponse;
      try {
        response = await decide(request);
      } catch (err) {
        o.log.error({ err: errorMessage(err), kind: request.kind?.kind, name: request.name, namespace: request.namespace }, `${path} failed: denying`);
        response = { uid: request.uid, allowed: false, status: { code: 500, reason: 'InternalError', message: `weft admission ${path.slice(1)} failed: ${errorMessage(err)}` } };
      }
      if (!response.allowed) o.log.info({ kind: request.kind?.kind, name: request.name, namespace: request.namespace, user: request.userInfo?.username, message: response.status?.message }, 'admission denied');
      latency?.labels(path.slice(1), request.kind?.kind ?? '', String(response.allowed)).observe(Number(process.hrtime.bigint() - started) / 1e9);
      return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
    });
  route('/validate', o.validate);
  route('/mutate', o.mutate);
  app.get('/healthz', async () => ({ status: 'ok' }));

  const address = await app.listen({ host: o.host, port: o.port });
  const port = Number(new URL(address).port);
  const host = o.host === '0.0.0.0' || o.host === '::' || o.host === '' ? '127.0.0.1' : o.host;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    serving,
    async stop() {
      serving.stop();
      await app.close();
    },
  };
}
