/**
 * The webhook server's contract over real HTTP/2 + TLS: per-kind paths, the exception-to-denial
 * wrapper, and clear answers to requests it cannot serve.
 */
import { connect, type ClientHttp2Session } from 'node:http2';
import { pino } from 'pino';
import { createCA } from '../../src/cluster/pki.js';
import { startWebhookServer, type WebhookServer } from '../../webhooks/server.js';
import type { AdmissionResponse } from '../../webhooks/types.js';

const log = pino({ level: 'silent' });
const review = (kind: string) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', kind: { group: 'weft.dev', version: 'v1alpha1', kind }, operation: 'CREATE', name: 'x', object: { metadata: { name: 'x' } } } });

describe('webhook server (HTTP/2 over TLS)', () => {
  let server: WebhookServer;
  let session: ClientHttp2Session;
  const seen: string[] = [];

  beforeAll(async () => {
    const ca = await createCA('weft-test-ca');
    server = await startWebhookServer({
      host: '127.0.0.1',
      port: 0,
      ca,
      log,
      validate: (req, hook) => {
        seen.push(`validate ${hook.kind}`);
        if (req.name === 'boom') throw new Error('policy store exploded');
        return { uid: req.uid, allowed: true };
      },
      mutate: (req, hook) => {
        seen.push(`mutate ${hook.kind}`);
        return { uid: req.uid, allowed: true };
      },
    });
    session = connect(server.url, { ca: ca.certPem });
    session.on('error', () => undefined);
  });
  afterAll(async () => {
    session?.close();
    await server?.stop();
  });

  const call = (method: string, path: string, body?: string) =>
    new Promise<{ status: number; json: { response?: AdmissionResponse; message?: string; error?: string } }>((resolve, reject) => {
      const req = session.request({ ':method': method, ':path': path, 'content-type': 'application/json' });
      let status = 0;
      let text = '';
      req.on('response', (h) => (status = Number(h[':status'])));
      req.setEncoding('utf8');
      req.on('data', (d: string) => (text += d));
      req.on('end', () => resolve({ status, json: JSON.parse(text || '{}') }));
      req.on('error', reject);
      req.end(body);
    });

  it('routes each kind\'s paths to its webhook', async () => {
    seen.length = 0;
    expect((await call('POST', '/validate-weft-dev-v1alpha1-job', JSON.stringify(review('Job')))).json.response).toEqual({ uid: 'u-1', allowed: true });
    await call('POST', '/mutate-weft-dev-v1alpha1-meshnode', JSON.stringify(review('MeshNode')));
    expect(seen).toEqual(['validate Job', 'mutate MeshNode']);
  });

  it('turns an exception in a decision into a denial that says so', async () => {
    const r = review('Workload');
    r.request.name = 'boom';
    const { status, json } = await call('POST', '/validate-weft-dev-v1alpha1-workload', JSON.stringify(r));
    expect(status).toBe(200);
    expect(json.response).toEqual({ uid: 'u-1', allowed: false, status: { code: 500, reason: 'InternalError', message: 'weft admission validate failed: policy store exploded' } });
  });

  it('answers 404 naming the paths it serves, 400 for a body that is not a review, 200 on /healthz', async () => {
    const missing = await call('POST', '/validate', '{}');
    expect(missing.status).toBe(404);
    expect(missing.json.message).toContain('/validate-weft-dev-v1alpha1-agenttask');
    const bad = await call('POST', '/validate-weft-dev-v1alpha1-job', 'not json');
    expect(bad).toMatchObject({ status: 400, json: { error: 'BadRequest' } });
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('refuses a body over the limit with 413', async () => {
    const { status, json } = await call('POST', '/validate-weft-dev-v1alpha1-job', 'x'.repeat(9 * 1024 * 1024));
    expect(status).toBe(413);
    expect(json.error).toBe('PayloadTooLarge');
  });
});
