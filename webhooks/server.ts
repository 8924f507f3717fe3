/**
 * The admission webhook server: HTTPS with a serving certificate from the operator CA that renews
 * itself (no restart), `POST /validate-weft-dev-v1alpha1-<kind>` and `POST /mutate-weft-dev-v1alpha1-<kind>`
 * for every kind in `webhooks/index.ts`, taking `admission.k8s.io/v1` AdmissionReviews. Any exception inside a decision becomes a denial that says so, never a 500
 * (the apiserver would report that as an opaque webhook failure).
 */
import { createSecureServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import type { CertificateAuthority } from '../src/cluster/pki.js';
import { secureContextFor } from '../src/pki/mtls.js';
import { RotatingCertificate } from '../src/pki/rotating.js';
import { errorMessage } from '../src/runtime/errors.js';
import { traceWebhook } from '../src/telemetry/spans.js';
import { mutatePath, validatePath, WEBHOOKS } from './index.js';
import type { AdmissionRequest, AdmissionResponse, KindWebhook } from './types.js';

/** Answers one AdmissionRequest sent to the path of `hook`'s kind. */
export type Decide = (req: AdmissionRequest, hook: KindWebhook) => AdmissionResponse | Promise<AdmissionResponse>;

export interface WebhookServerOptions {
  host: string;
  port: number;
  ca: CertificateAuthority;
  /** DNS names for the serving certificate besides localhost (e.g. the Service's). */
  dnsNames?: string[];
  /** Decides a review sent to a kind's validating path. */
  validate: Decide;
  /** Decides a review sent to a kind's mutating path. */
  mutate: Decide;
  log: Logger;
  metrics?: Registry;
  /** The kinds served (default: every kind); others answer 404. */
  hooks?: readonly KindWebhook[];
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

/** Bodies larger than this are refused (413): an AdmissionReview carries one object, and etcd takes at most 1.5 MiB. */
const BODY_LIMIT = 8 * 1024 * 1024;

/**
 * The request body, or undefined when it is over {@link BODY_LIMIT}. The rest of an oversized body
 * is read and dropped, so that the 413 reaches the caller (destroying the stream would reset it).
 */
function readBody(stream: ServerHttp2Stream): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) return void chunks.push(chunk);
      stream.off('data', onData);
      stream.on('data', () => undefined);
      resolve(undefined);
    };
    stream.on('data', onData);
    stream.once('end', () => resolve(size <= BODY_LIMIT ? Buffer.concat(chunks) : undefined));
    stream.once('error', reject);
  });
}

/** The AdmissionRequest of a review, or undefined when the body is not one. */
function parseReview(body: Buffer): AdmissionRequest | undefined {
  try {
    const request = (JSON.parse(body.toString('utf8')) as AdmissionReview | undefined)?.request;
    return request?.uid ? request : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The one wrapper that turns an exception inside a decision into a denial that says so, never a 500
 * (the apiserver would report that as an opaque webhook failure); denials are logged.
 */
async function decideOrDeny(decide: (req: AdmissionRequest) => AdmissionResponse | Promise<AdmissionResponse>, request: AdmissionRequest, webhook: string, log: Logger): Promise<AdmissionResponse> {
  const about = { kind: request.kind?.kind, name: request.name, namespace: request.namespace };
  let response: AdmissionResponse;
  try {
    // A span per call (`webhook <kind> <OPERATION>`; a no-op unless tracing is on, docs/observability.md).
    const key = { namespace: request.namespace, name: request.name ?? '' };
    response = await traceWebhook((request.kind?.kind ?? '').toLowerCase(), `${webhook} ${request.operation ?? ''}`.trim(), key, () => decide(request));
  } catch (err) {
    log.error({ err: errorMessage(err), ...about }, `${webhook} failed: denying`);
    response = { uid: request.uid, allowed: false, status: { code: 500, reason: 'InternalError', message: `weft admission ${webhook} failed: ${errorMessage(err)}` } };
  }
  if (!response.allowed) log.info({ ...about, user: request.userInfo?.username, message: response.status?.message }, 'admission denied');
  return response;
}

/**
 * Starts the webhook server: HTTP/2 over TLS, as the apiserver calls webhooks (it multiplexes its
 * calls over one connection). The two routes are served from `node:http2` streams directly, not
 * through Fastify's HTTP/1 compatibility layer: in a burst of creations, every Workload costs two
 * calls, and the compatibility objects were a third of the operator's CPU. HTTP/1.1 is not
 * offered on this port (the operator's HTTP port serves the probes).
 */
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
  const log = o.log.child({ component: 'webhook' });
  const server = createSecureServer({ cert: pair.certPem, key: pair.keyPem, minVersion: 'TLSv1.2', allowHTTP1: false });
  serving.onRotate((p) => server.setSecureContext(secureContextFor(p, serving.authorityPem())));
  const latency = o.metrics
    ? new Histogram({
        name: 'weft_webhook_duration_seconds',
        help: 'Time to answer one AdmissionReview',
        labelNames: ['webhook', 'kind', 'allowed'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
        registers: [o.metrics],
      })
    : undefined;

  const routes = new Map<string, (req: AdmissionRequest) => AdmissionResponse | Promise<AdmissionResponse>>();
  for (const hook of o.hooks ?? WEBHOOKS) {
    routes.set(validatePath(hook), (req) => o.validate(req, hook));
    routes.set(mutatePath(hook), (req) => o.mutate(req, hook));
  }
  const answer = async (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> => {
    const send = (status: number, body: unknown) => {
      if (stream.destroyed || stream.closed) return;
      stream.respond({ ':status': status, 'content-type': 'application/json' });
      stream.end(JSON.stringify(body));
    };
    const method = headers[':method'];
    const path = (headers[':path'] ?? '').split('?')[0]!;
    if (method === 'GET' && path === '/healthz') return send(200, { status: 'ok' });
    const decide = method === 'POST' ? routes.get(path) : undefined;
    if (!decide) return send(404, { error: 'NotFound', message: `${method} ${path}: this port answers GET /healthz and POST ${[...routes.keys()].join(', ')}` });
    const body = await readBody(stream);
    if (!body) return send(413, { error: 'PayloadTooLarge', message: `the AdmissionReview is over ${BODY_LIMIT} bytes` });
    const started = process.hrtime.bigint();
    const request = parseReview(body);
    if (!request) return send(400, { error: 'BadRequest', message: 'expected an admission.k8s.io/v1 AdmissionReview with a request.uid' });
    const webhook = path.slice(1).split('-')[0]!;
    const response = await decideOrDeny(decide, request, webhook, log);
    latency?.labels(webhook, request.kind?.kind ?? '', String(response.allowed)).observe(Number(process.hrtime.bigint() - started) / 1e9);
    send(200, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
  };
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined); // a reset by the caller: nothing to answer
    answer(stream, headers).catch((err: unknown) => {
      log.warn({ err: errorMessage(err) }, 'webhook stream failed');
      if (!stream.destroyed) stream.destroy();
    });
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });
  server.on('sessionError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host || undefined, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err: errorMessage(err) }, 'webhook server error'));
  const port = (server.address() as AddressInfo).port;
  const host = o.host === '0.0.0.0' || o.host === '::' || o.host === '' ? '127.0.0.1' : o.host;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    serving,
    async stop() {
      serving.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The apiserver keeps its connection open: close the sessions (in-flight calls finish), then
      // destroy whatever is left after a grace period.
      for (const session of sessions) session.close();
      const grace = setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, 2_000);
      await closed;
      clearTimeout(grace);
    },
  };
}
