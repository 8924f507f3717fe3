import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { freePort } from '../../src/cluster/ports.js';
import { toolPath } from '../../src/cluster/tools.js';
import { createFakeNodes } from '../../src/cluster/kwok.js';
import { runningLocalClusters } from '../../src/cluster/providers/local-provider.js';
import { ORGCLUSTERS, SECRETS } from '../../src/api/resources.js';
import { Manager, RestClient, type Condition } from '../../src/runtime/index.js';
import { setupOrgClusterController } from '../../controllers/orgcluster/reconcile.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, processesMentioning, uniqueName, testLogger } from '../harness/index.js';

const log = testLogger();
type OrgCluster = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> & { conditions?: Condition[] } };
const cond = (o: OrgCluster, type: string) => o.status?.conditions?.find((c) => c.type === type);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('OrgCluster controller (real apiserver)', () => {
  let admin: KubeConfig;
  let kubeconfigPath: string;
  let rest: RestClient;
  let mgr: Manager;
  let ns: string;
  let stateDir: string;

  beforeAll(async () => {
    const cp = await controlPlane();
    admin = cp.kubeConfig();
    kubeconfigPath = cp.kubeconfigPath;
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'oc');
    stateDir = await mkdtemp(join(tmpdir(), 'weft-oc-'));
    // Talos QEMU images cannot be had here: the provider runs the fake talosctl (test/fakes/talosctl).
    process.env.WEFT_TALOSCTL = join(import.meta.dirname, '..', 'fakes', 'talosctl', 'talosctl');
    mgr = new Manager(admin, { log, metrics: new Registry() });
    setupOrgClusterController({ kc: admin, mgr, cfg: parseOperatorConfig({}, {}), log }, { probeIntervalMs: 2000, stateDir });
    await mgr.start({ waitForSync: true });
  });
  afterAll(async () => {
    await mgr.stop();
    await deleteNamespace(admin, ns);
    await rm(stateDir, { recursive: true, force: true });
  });

  const create = (name: string, spec: Record<string, unknown>) =>
    rest.create<OrgCluster>(ORGCLUSTERS, { metadata: { name, namespace: ns }, spec: { org: 'acme', ...spec } } as OrgCluster);
  const get = (name: string) => rest.get<OrgCluster>(ORGCLUSTERS, name, ns);

  it('a kubeconfig OrgCluster becomes Ready and reports version, nodes and capacity', async () => {
    const nodes = [uniqueName('kw'), uniqueName('kw')];
    await createFakeNodes(admin, [{ name: nodes[0]!, cpu: '8', memory: '32Gi', gpus: 2 }, { name: nodes[1]!, cpu: '4', memory: '16Gi' }]);
    const secret = uniqueName('kc');
    await rest.create(SECRETS, { metadata: { name: secret, namespace: ns }, data: { kubeconfig: b64(await readFile(kubeconfigPath, 'utf8')) } } as KubernetesObject);
    await create('byo', { provider: 'kubeconfig', kubeconfigSecretRef: { name: secret } });
    const oc = await eventually(async () => {
      const o = await get('byo');
      expect(cond(o, 'Ready')).toMatchObject({ status: 'True', reason: 'ClusterReady' });
      return o;
    });
    expect(cond(oc, 'Reachable')?.status).toBe('True');
    expect(oc.status).toMatchObject({ kubernetesVersion: 'v1.36.3', apiServerURL: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) });
    expect(oc.status!.nodes).toBeGreaterThanOrEqual(2);
    expect((oc.status!.capacity as { gpus: number }).gpus).toBeGreaterThanOrEqual(2);
  });

  it('docs/rollback/orgcluster-kubeconfig.sh: a deleted kubeconfig Secret is restored from its backup and the cluster is Ready again', async () => {
    const secret = uniqueName('kc');
    await rest.create(SECRETS, { metadata: { name: secret, namespace: ns }, data: { kubeconfig: b64(await readFile(kubeconfigPath, 'utf8')) } } as KubernetesObject);
    await create('restorable', { provider: 'kubeconfig', kubeconfigSecretRef: { name: secret } });
    await eventually(async () => expect(cond(await get('restorable'), 'Ready')).toMatchObject({ status: 'True' }), { description: 'Ready at first' });
    const script = join(import.meta.dirname, '..', '..', 'docs', 'rollback', 'orgcluster-kubeconfig.sh');
    const env = { PATH: `${dirname(toolPath('kubectl'))}:${process.env.PATH}` };
    const backup = await execa('bash', [script, 'backup', ns, 'restorable', '--kubeconfig', kubeconfigPath], { env, reject: false });
    expect(backup.exitCode).toBe(0);
    expect(backup.stdout).toContain(`name: ${secret}`);
    expect(backup.stdout).not.toMatch(/resourceVersion|uid:/);
    const file = join(stateDir, 'backup.yaml');
    await writeFile(file, backup.stdout);
    await rest.delete(SECRETS, secret, ns);
    await eventually(async () => expect(cond(await get('restorable'), 'Ready')).toMatchObject({ status: 'False', reason: 'SecretNotFound' }), { description: 'NotReady without its Secret' });
    const restore = await execa('bash', [script, 'restore', file, '--kubeconfig', kubeconfigPath], { env, reject: false });
    expect(restore.stdout).toContain('restored');
    await eventually(async () => expect(cond(await get('restorable'), 'Ready')).toMatchObject({ status: 'True', reason: 'ClusterReady' }), { description: 'Ready again after the restore' });
  });

  it.each([
    ['a missing Secret', async () => ({ provider: 'kubeconfig', kubeconfigSecretRef: { name: 'does-not-exist' } }), 'Provisioned', 'SecretNotFound', /Secret .*\/does-not-exist not found: create it with/],
    [
      'a Secret with a malformed kubeconfig',
      async () => {
        const s = uniqueName('bad');
        await rest.create(SECRETS, { metadata: { name: s, namespace: ns }, data: { kubeconfig: b64('apiVersion: v1\nclusters: [ {{{ not yaml') } } as KubernetesObject);
        return { provider: 'kubeconfig', kubeconfigSecretRef: { name: s } };
      },
      'Provisioned',
      'InvalidKubeconfig',
      /malformed kubeconfig/,
    ],
    [
      'an unreachable server',
      async () => {
        const port = await freePort();
        const text = (await readFile(kubeconfigPath, 'utf8')).replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`);
        const s = uniqueName('down');
        await rest.create(SECRETS, { metadata: { name: s, namespace: ns }, data: { kubeconfig: b64(text) } } as KubernetesObject);
        return { provider: 'kubeconfig', kubeconfigSecretRef: { name: s } };
      },
      'Reachable',
      'ProbeFailed',
      /unreachable: connection refused/,
    ],
  ])('%s → a condition naming the cause, and the operator keeps running', async (_what, spec, type, reason, message) => {
    const name = uniqueName('bad');
    await create(name, await spec());
    const oc = await eventually(async () => {
      const o = await get(name);
      expect(cond(o, type)).toMatchObject({ status: 'False', reason });
      return o;
    });
    expect(cond(oc, type)!.message).toMatch(message);
    expect(cond(oc, 'Ready')).toMatchObject({ status: 'False', reason });
  });

  it('a talos OrgCluster is created with talosctl, becomes Ready, and deleting it destroys the cluster', async () => {
    await create('edge', { provider: 'talos', hosts: ['edge-1'], talos: { endpoints: ['127.0.0.1'] } });
    const oc = await eventually(
      async () => {
        const o = await get('edge');
        expect(cond(o, 'Ready')).toMatchObject({ status: 'True' });
        return o;
      },
      { timeoutMs: 60_000 },
    );
    expect(cond(oc, 'Provisioned')?.message).toMatch(/Talos cluster .*-edge healthy/);
    const dir = join(stateDir, 'talos', `${ns}-edge`);
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(2);
    await rest.delete(ORGCLUSTERS, 'edge', ns);
    await eventually(async () => expect(await get('edge').catch((e: { code?: number }) => e.code)).toBe(404), { timeoutMs: 30_000 });
    await eventually(() => expect(processesMentioning(dir)).toEqual([]), { timeoutMs: 15_000 });
  });

  it('a talos OrgCluster whose talosctl fails reports Provisioned=False with talosctl\'s error and a hint', async () => {
    const s = uniqueName('tc');
    await rest.create(SECRETS, { metadata: { name: s, namespace: ns }, data: { talosconfig: b64('context: x\ncontexts: {}\n') } } as KubernetesObject);
    await create('edge-broken', { provider: 'talos', talos: { endpoints: ['10.5.0.2'], configSecretRef: { name: s } } });
    const oc = await eventually(async () => {
      const o = await get('edge-broken');
      expect(cond(o, 'Provisioned')).toMatchObject({ status: 'False', reason: 'TalosctlFailed' });
      return o;
    });
    expect(cond(oc, 'Provisioned')?.message).toMatch(/talosctl kubeconfig failed \(exit 1\): .*context "x" is not defined.* — /);
  });

  it('a local OrgCluster starts its own control plane with a node per host, and deleting it stops every process', async () => {
    await create('local-1', { provider: 'local', hosts: ['host-a', 'host-b'] });
    const oc = await eventually(
      async () => {
        const o = await get('local-1');
        expect(cond(o, 'Ready')).toMatchObject({ status: 'True' });
        expect(o.status!.nodes).toBe(2);
        return o;
      },
      { timeoutMs: 60_000 },
    );
    expect(oc.metadata?.finalizers).toContain('weft.dev/orgcluster-cleanup');
    const secret = await rest.get<KubernetesObject & { data?: Record<string, string> }>(SECRETS, 'local-1-kubeconfig', ns);
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'OrgCluster', name: 'local-1', controller: true });
    const dir = join(stateDir, 'orgclusters', `${ns}_local-1`);
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(3); // etcd, kube-apiserver, kwok

    await rest.delete(ORGCLUSTERS, 'local-1', ns);
    await eventually(async () => expect(await get('local-1').catch((e: { code?: number }) => e.code)).toBe(404), { timeoutMs: 30_000 });
    expect(runningLocalClusters()).not.toContain(`${ns}/local-1`);
    expect(processesMentioning(dir)).toEqual([]);
  });
});
