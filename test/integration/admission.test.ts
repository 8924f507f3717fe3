import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { unregisterWebhooks, VALIDATING_WEBHOOKS } from '../../webhooks/register.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { DEFAULT_STUB } from '../../src/mesh/stub-provider.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { CONFIGMAPS, WORKLOADS } from '../../src/api/resources.js';
import { RestClient } from '../../src/runtime/index.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, kubectl, testLogger } from '../harness/index.js';

const log = testLogger();
type Wl = KubernetesObject & { spec: { resources?: Record<string, unknown> } };

/**
 * The admission webhooks registered with the real apiserver: mutation (defaults, org label),
 * quota from the weft-policy ConfigMap, tag ownership, the tailnet ACL for the requesting user,
 * failurePolicy Fail while the operator is down, and certificate rotation without a restart.
 */
describe('admission webhooks on the real apiserver', () => {
  let kc: KubeConfig;
  let kubeconfigPath: string;
  let rest: RestClient;
  let ns: string;
  let org: string;
  let dir: string;
  let op: RunningOperator | undefined;
  let configName: string;

  const start = async () =>
    runOperator(
      parseOperatorConfig(
        {
          kubeconfig: kubeconfigPath,
          httpAddr: '127.0.0.1:0',
          webhookAddr: '127.0.0.1:0',
          webhookUrl: 'auto',
          webhookConfigName: configName,
          namespace: ns,
          leaderElect: false,
          mesh: 'stub',
          meshConfig: join(dir, 'mesh.yaml'),
          featureGates: 'MeshACL=true',
        },
        {},
      ),
      log,
    );

  beforeAll(async () => {
    const cp = await controlPlane();
    kc = cp.kubeConfig();
    kubeconfigPath = cp.kubeconfigPath;
    rest = new RestClient(kc);
    ns = await createNamespace(kc, 'adm');
    org = ns;
    configName = `weft-${ns}`;
    dir = await mkdtemp(join(tmpdir(), 'weft-adm-'));
    // The tailnet policy: alice (and group:acme-devs) own tag:org-<org>, bob does not.
    const policy = `{
      "groups": { "group:ops": ["alice@"], "group:acme-devs": ["carol@"] },
      "tagOwners": { "tag:operator": ["group:ops"], "tag:workload": ["tag:operator"], "tag:org-${org}": ["alice@", "group:acme-devs"] },
      "acls": [ { "action": "accept", "src": ["tag:operator"], "dst": ["*:*"] } ],
    }`;
    await writeFile(join(dir, 'mesh.yaml'), stringify({ devices: DEFAULT_STUB.devices, policy }));
    await rest.create(CONFIGMAPS, {
      metadata: { name: 'weft-policy', namespace: ns },
      data: { 'policy.yaml': stringify({ orgs: { [org]: { quota: { gpu: 8, workloads: 50 } } }, tagOwners: { 'gpu:a100': ['someone-else'] } }) },
    } as KubernetesObject);
    // alice, bob and carol may create Workloads here as far as RBAC goes: the ACL decides.
    await kubectl(kubeconfigPath, ['create', 'role', 'wl-writer', '-n', ns, '--verb=create,get', '--resource=workloads.weft.dev']);
    await kubectl(kubeconfigPath, ['create', 'rolebinding', 'wl-writers', '-n', ns, '--role=wl-writer', '--user=alice', '--user=bob', '--user=carol']);
    op = await start();
    // The first call from the apiserver opens the TLS connection to the webhook server; on a loaded
    // 2-core CI machine that can take longer than the apiserver's 5 s timeout. Wait until a server-side
    // dry run goes through the webhooks, so the tests below measure behaviour, not a cold start.
    await eventually(async () => {
      const r = await kubectl(kubeconfigPath, ['create', '--dry-run=server', '-f', '-'], stringify(wl('warm-up')));
      expect(r.stderr).toBe('');
    }, { timeoutMs: 60_000, description: 'the webhooks to answer a server-side dry run' });
  }, 120_000);

  afterAll(async () => {
    await op?.stop();
    await unregisterWebhooks(rest, configName);
    await deleteNamespace(kc, ns);
    await rm(dir, { recursive: true, force: true });
  });

  const wl = (name: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Workload',
    metadata: { name, namespace: ns },
    spec: { org, template: { spec: { containers: [{ name: 'main', image: 'busybox' }] } }, ...spec },
  });
  const create = (name: string, spec: Record<string, unknown> = {}, as?: string) =>
    kubectl(kubeconfigPath, ['create', '-f', '-', ...(as ? [`--as=${as}`] : [])], stringify(wl(name, spec)));

  it('registers both configurations: failurePolicy Fail, sideEffects None, a timeout and the operator CA', async () => {
    const cfg = await rest.get<KubernetesObject & { webhooks: Array<Record<string, unknown> & { clientConfig: { caBundle: string; url: string }; rules: Array<{ resources: string[] }> }> }>(VALIDATING_WEBHOOKS, configName);
    expect(cfg.webhooks.map((w) => w.rules[0]!.resources[0]).sort()).toEqual(['agenttasks', 'jobs', 'meshnodes', 'orgclusters', 'workloads']);
    for (const w of cfg.webhooks) {
      expect(w).toMatchObject({ failurePolicy: 'Fail', sideEffects: 'None', timeoutSeconds: 5, admissionReviewVersions: ['v1'] });
      expect(Buffer.from(w.clientConfig.caBundle, 'base64').toString()).toContain('BEGIN CERTIFICATE');
      expect(w.clientConfig.url).toBe(`${op!.webhook!.url}/validate-weft-dev-v1alpha1-${w.rules[0]!.resources[0]!.replace(/s$/, '')}`);
    }
  });

  it('mutation adds the org label and the schema defaults', async () => {
    const r = await create('defaults');
    expect(r.stderr).toBe('');
    const got = await rest.get<Wl>(WORKLOADS, 'defaults', ns);
    expect(got.metadata?.labels).toMatchObject({ 'weft.dev/org': org });
    expect(got.spec.resources).toEqual({ cpu: '100m', memory: '128Mi', gpu: 0 });
  });

  it('over quota is denied with the numbers', async () => {
    for (const n of ['g1', 'g2', 'g3']) expect((await create(n, { resources: { gpu: 2 } })).exitCode).toBe(0);
    const r = await create('g4', { resources: { gpu: 4 } });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`admission webhook "workloads.validate.weft.dev" denied the request`);
    expect(r.stderr).toContain(`org ${org}: gpu 4 requested, 6 of 8 used`);
    expect((await create('g5', { resources: { gpu: 2 } })).exitCode).toBe(0); // exactly 8
  });

  it('a tag owned by another org is denied, naming the owner and the fix', async () => {
    const r = await create('a100', { placement: { requiredTags: ['gpu:a100'] } });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('tag "gpu:a100" is owned by org someone-else');
    expect(r.stderr).toContain('tagOwners in the weft-policy ConfigMap');
  });

  it('the tailnet ACL decides who may create for the org: owners of tag:org-<org> (user or group) yes, others no', async () => {
    const denied = await create('by-bob', {}, 'bob');
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toContain(`user "bob" may not create objects for org ${org}`);
    expect(denied.stderr).toContain(`tagOwners["tag:org-${org}"]`);
    expect((await create('by-alice', {}, 'alice')).stderr).toBe('');
    expect((await create('by-carol', {}, 'carol')).stderr).toBe('');
  });

  it('renews its serving certificate without a restart', async () => {
    const served = () =>
      new Promise<string>((resolve, reject) => {
        const u = new URL(op!.webhook!.url);
        const s = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
          resolve(new X509Certificate(s.getPeerX509Certificate()!.raw).serialNumber);
          s.end();
        });
        s.on('error', reject);
      });
    const before = await served();
    await op!.webhook!.serving.rotate();
    expect(await served()).not.toBe(before);
    expect((await create('after-rotation')).stderr).toBe('');
  });

  it('while the webhook is down the apiserver refuses (failurePolicy Fail); it accepts again once it is back', async () => {
    await op!.stop();
    op = undefined;
    const r = await create('while-down');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/failed calling webhook/);
    op = await start();
    await eventually(async () => expect((await create('after-restart')).stderr).toBe(''), { timeoutMs: 20_000 });
  }, 60_000);
});
