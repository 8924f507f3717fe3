import { request, type Server as HttpsServer } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import { createCA, issueCertificate, type CertificateAuthority, type KeyPairPem } from '../../src/cluster/pki.js';
import { clientIdentity, mtlsServerOptions, secureContextFor } from '../../src/pki/mtls.js';
import { RotatingCertificate, renewalTime } from '../../src/pki/rotating.js';

interface Result {
  status?: number;
  body?: string;
  error?: string;
  serverSerial?: string;
}

/** One GET over real TLS with an optional client certificate. */
function get(port: number, caPem: string, client?: KeyPairPem): Promise<Result> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/whoami', ca: caPem, cert: client?.certPem, key: client?.keyPem, servername: 'localhost', agent: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body, serverSerial: (res.socket as TLSSocket).getPeerCertificate().serialNumber }));
      },
    );
    req.on('error', (err) => resolve({ error: err.message }));
    req.end();
  });
}

describe('mTLS on the operator API (real TLS on loopback)', () => {
  let ca: CertificateAuthority;
  let serving: RotatingCertificate;
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    ca = await createCA('weft-operator-ca');
    serving = new RotatingCertificate(ca, { commonName: 'weft-operator', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server', validDays: 30 });
    const first = await serving.start();
    app = Fastify({ https: mtlsServerOptions(first, ca.certPem) });
    app.get('/whoami', async (req) => clientIdentity((req.raw.socket as TLSSocket).getPeerCertificate()));
    serving.onRotate((pair) => (app.server as unknown as HttpsServer).setSecureContext(secureContextFor(pair, ca.certPem)));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    serving.stop();
    await app.close();
  });

  it('accepts a client certificate from the operator CA and sees its identity', async () => {
    const client = await issueCertificate(ca, { commonName: 'dashboard', organizations: ['weft:components'], usage: 'client' });
    const r = await get(port, ca.certPem, client);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body!)).toEqual({ commonName: 'dashboard', organizations: ['weft:components'] });
  });

  it.each([
    ['no client certificate', async () => undefined],
    ['a certificate from another CA', async () => issueCertificate(await createCA('evil-ca'), { commonName: 'dashboard', usage: 'client' })],
    ['an expired certificate', async () => issueCertificate(ca, { commonName: 'dashboard', usage: 'client', validDays: -1, notBefore: new Date(Date.now() - 10 * 86400_000) })],
  ])('rejects %s', async (_what, make) => {
    const r = await get(port, ca.certPem, await make());
    expect(r.status).toBeUndefined();
    expect(r.error).toBeDefined();
  });

  it('serves a rotated certificate without a restart, and keeps accepting clients', async () => {
    const client = await issueCertificate(ca, { commonName: 'agent-1', usage: 'client' });
    const before = await get(port, ca.certPem, client);
    const oldSerial = new X509Certificate(serving.current().certPem).serialNumber;
    expect(before.serverSerial).toBe(oldSerial);

    const rotated = await serving.rotate();
    const after = await get(port, ca.certPem, client);
    expect(after.status).toBe(200);
    expect(after.serverSerial).toBe(new X509Certificate(rotated.certPem).serialNumber);
    expect(after.serverSerial).not.toBe(oldSerial);
  });

  it('schedules renewal at two thirds of the lifetime', async () => {
    const pair = await issueCertificate(ca, { commonName: 'x', usage: 'server', validDays: 30 });
    const c = new X509Certificate(pair.certPem);
    const from = Date.parse(c.validFrom);
    const to = Date.parse(c.validTo);
    expect(renewalTime(pair.certPem)).toBeCloseTo(from + ((to - from) * 2) / 3, -3);
  });
});
