/**
 * docs/rollback/rotate-operator-ca.sh against a running operator (webhooks registered with the real
 * apiserver, the API over HTTPS with mTLS): admission keeps answering through the whole rotation,
 * the caBundle holds both CAs and then the new one, the serving certificates come from the new CA,
 * and old client certificates work until `finish`.
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { dirname, join } from 'node:path';
import type { KubeConfig, KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { SECRETS } from '../../src/api/resources.js';
import { createCA, issueCertificate, loadCA, type KeyPairPem } from '../../src/cluster/pki.js';
import { toolPath } from '../../src/cluster/tools.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { CA_SECRET } from '../../src/pki/ca-store.js';
import { RestClient } from '../../src/runtime/index.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, kubectl, testLogger, uniqueName } from '../harness/index.js';
import { call } from './dashboard-helpers.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'docs', 'rollback', 'rotate-operator-ca.sh');

describe('rotating the operator CA without downtime (docs/rollback/rotate-operator-ca.sh)', () => {
  let kc: KubeConfig;
  let kubeconfig: string;
  let rest: RestClient;
  let ns: string;
  let op: RunningOperator | undefined;
  let configName: string;

  const secret = async () => {
    const s = await rest.get<V1Secret & KubernetesObject>(SECRETS, CA_SECRET, ns);
    const b = (k: string) => Buffer.from(s.data![k]!, 'base64').toString('utf8');
    return { crt: b('tls.crt'), key: b('tls.key'), bundle: b('ca.crt') };
  };
  const issuerOf = (pem: string) => new X509Certificate(pem).subject;
  /** The certificate a TLS server presents (its issuer's subject). */
  const presentedIssuer = (url: string) =>
    new Promise<string>((resolve, reject) => {
      const u = new URL(url);
      const s = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
        const issuer = s.getPeerX509Certificate()?.issuer ?? '';
        s.destroy();
        resolve(issuer);
      });
      s.on('error', reject);
    });
  const caBundleCount = async () => {
    const r = await kubectl(kubeconfig, ['get', 'validatingwebhookconfiguration', configName, '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}']);
    return (Buffer.from(r.stdout, 'base64').toString('utf8').match(/BEGIN CERTIFICATE/g) ?? []).length;
  };
  const rotate = (step: 'start' | 'finish') => execa('bash', [SCRIPT, step, ns, '--kubeconfig', kubeconfig], { reject: false, env: { PATH: `${dirname(toolPath('kubectl'))}:${process.env.PATH}` } });
  /** An mTLS call of `/api/v1/dashboard/me` with `client`, trusting `bundle` for the server: 200 = accepted, 401 = the certificate was refused. */
  const apiStatus = async (client: KeyPairPem, bundle: string) => (await call(`${op!.url}/api/v1/dashboard/me`, { tls: { ca: bundle, cert: client.certPem, key: client.keyPem } })).status;

  beforeAll(async () => {
    const cp = await controlPlane();
    kc = cp.kubeConfig();
    kubeconfig = cp.kubeconfigPath;
    rest = new RestClient(kc);
    ns = await createNamespace(kc, 'carot');
    configName = uniqueName('weft-carot');
    const cfg = parseOperatorConfig({ kubeconfig, httpAddr: '127.0.0.1:0', httpTls: true, webhookAddr: '127.0.0.1:0', webhookUrl: 'auto', webhookConfigName: configName, namespace: ns, leaderElect: false, logLevel: 'warn' }, {});
    op = await runOperator(cfg, testLogger(`operator (ca rotation ${ns})`), { controllers: [] });
  }, 120_000);
  afterAll(async () => {
    await op?.stop();
    await kubectl(kubeconfig, ['delete', 'validatingwebhookconfiguration,mutatingwebhookconfiguration', configName, '--ignore-not-found']).catch(() => undefined);
    if (ns) await deleteNamespace(kc, ns);
  });

  it('start: both CAs trusted, new serving certificates, old client certificates still work; finish: only the new CA; admission never fails', async () => {
    const old = await secret();
    const oldClient = await issueCertificate(await loadCA({ certPem: old.crt, keyPem: old.key }), { commonName: 'alice', usage: 'client' });
    const strangerClient = await issueCertificate(await createCA('elsewhere'), { commonName: 'alice', usage: 'client' });
    expect(await apiStatus(oldClient, old.crt)).toBe(200); // accepted: /dashboard/me answers who the certificate says
    expect(await apiStatus(strangerClient, old.crt)).toBe(401);
    // Admission answers all along: a server-side dry run of an object the webhooks check, in a bounded loop.
    const node = stringify({ apiVersion: 'weft.dev/v1alpha1', kind: 'MeshNode', metadata: { name: 'carot-probe' }, spec: { org: 'acme' } });
    const failures: string[] = [];
    let calls = 0;
    let stop = false;
    let phase = 'before';
    let t0 = Date.now();
    const probe = (async () => {
      while (!stop && calls < 2000) {
        const r = await kubectl(kubeconfig, ['create', '--dry-run=server', '-f', '-'], node).catch((err: Error) => ({ exitCode: 1, stderr: err.message }));
        calls++;
        if (r.exitCode !== 0) failures.push(`${phase} +${Date.now() - t0} ms: ${r.stderr}`);
      }
    })();
    try {
      await eventually(async () => expect((await kubectl(kubeconfig, ['create', '--dry-run=server', '-f', '-'], node)).exitCode).toBe(0), { description: 'the webhooks answer' });
      phase = 'start';
      t0 = Date.now();
      const started = await rotate('start');
      expect(started.stderr).toBe('');
      expect(started.stdout).toMatch(/has a new CA .*the old one stays trusted until/);
      const rotated = await secret();
      expect(rotated.crt).not.toBe(old.crt);
      expect(rotated.bundle).toContain(old.crt.trim());
      // Every server follows within a poll: the apiserver trusts both, then the certificates come from the new CA.
      await eventually(async () => expect(await caBundleCount()).toBe(2), { timeoutMs: 30_000, description: 'caBundle with both CAs' });
      await eventually(async () => expect(await presentedIssuer(op!.webhook!.url)).toBe(issuerOf(rotated.crt)), { timeoutMs: 30_000, description: 'the webhook serves a certificate of the new CA' });
      await eventually(async () => expect(await presentedIssuer(op!.url)).toBe(issuerOf(rotated.crt)), { timeoutMs: 30_000, description: 'the API serves a certificate of the new CA' });
      const verified = await new Promise<string>((resolve) => {
        const u = new URL(op!.webhook!.url);
        const sock = connect({ host: u.hostname, port: Number(u.port), ca: rotated.crt, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
          resolve(`${sock.authorized} ${String(sock.authorizationError)}`);
          sock.destroy();
        });
      });
      expect(verified).toBe('true null');
      const newClient = await issueCertificate(await loadCA({ certPem: rotated.crt, keyPem: rotated.key }), { commonName: 'alice', usage: 'client' });
      expect(await apiStatus(oldClient, rotated.bundle)).toBe(200);
      expect(await apiStatus(newClient, rotated.bundle)).toBe(200);

      phase = 'finish';
      t0 = Date.now();
      const finished = await rotate('finish');
      expect(finished.stdout).toMatch(/trusts its current CA alone/);
      await eventually(async () => expect(await caBundleCount()).toBe(1), { timeoutMs: 30_000, description: 'caBundle with the new CA only' });
      await eventually(async () => expect(await apiStatus(oldClient, rotated.crt)).toBe(401), { timeoutMs: 30_000, description: 'old client certificates refused' });
      expect(await apiStatus(newClient, rotated.crt)).toBe(200);
      const after = calls;
      await eventually(async () => expect(calls).toBeGreaterThan(after + 2), { description: 'admission still answers' });
    } finally {
      stop = true;
      await probe;
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(5);
  }, 180_000);

  it('says what is wrong: no step, or no CA Secret in the namespace', async () => {
    const none = await execa('bash', [SCRIPT], { reject: false });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('usage:');
    const missing = await execa('bash', [SCRIPT, 'start', 'no-such-ns', '--kubeconfig', kubeconfig], { reject: false, env: { PATH: `${dirname(toolPath('kubectl'))}:${process.env.PATH}` } });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('Secret no-such-ns/weft-ca does not exist');
  });
});
