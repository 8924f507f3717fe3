import { KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { NodeAgent } from '../../src/nodeagent/agent.js';
import { provisionAgent } from '../../src/nodeagent/provision.js';
import type { Workload } from '../../src/api/workload/types.js';
import { createFakeNodes } from '../../src/cluster/kwok.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { MESHNODES, ORGCLUSTERS, PODS, SECRETS, WORKLOADS } from '../../src/api/resources.js';
import { RestClient } from '../../src/runtime/index.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, kubectl, uniqueName, testLogger } from '../harness/index.js';
import { userWithRbac } from './dashboard-helpers.js';

const log = testLogger();
type Wl = Workload & KubernetesObject;
type MN = KubernetesObject & { status?: { allocated?: { cpu?: string; memory?: string } } };

/**
 * The Workload path on the real apiserver: MeshNodes reported by real agents, an OrgCluster
 * (provider kubeconfig: this control plane itself, whose KWOK runs the pods), the operator with
 * the Workload controller, `kubectl apply`, and pods that go Running on the KWOK node chosen.
 */
describe('Workloads: placement, pods on KWOK nodes, lifecycle (real apiserver)', () => {
  let kubeconfigPath: string;
  let admin: KubeConfig;
  let rest: RestClient;
  let ns: string;
  let org: string;
  let op: RunningOperator;
  const agents = new Map<string, NodeAgent>();
  const nodes: string[] = [];
  let gpuNode: string;

  async function host(tags: string[], capacity: { cpu: string; memory: string; gpus?: Array<{ model: string; count: number }> }) {
    const name = uniqueName('wl-host');
    const kubeconfig = await provisionAgent(admin, { name, org, tags });
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfig);
    const agent = new NodeAgent({ name, kc, log, detect: async () => capacity, heartbeatIntervalMs: 2000 });
    await agent.start();
    agents.set(name, agent);
    return name;
  }

  beforeAll(async () => {
    const cp = await controlPlane();
    kubeconfigPath = cp.kubeconfigPath;
    admin = cp.kubeConfig();
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'wl');
    org = ns; // a fresh org per file: no other test's nodes are candidates
    for (let i = 0; i < 2; i++) nodes.push(await host(['env:prod'], { cpu: '4', memory: '8Gi' }));
    gpuNode = await host(['env:prod', 'gpu:h100'], { cpu: '8', memory: '32Gi', gpus: [{ model: 'NVIDIA H100 80GB HBM3', count: 4 }] });
    nodes.push(gpuNode);
    // The nodes as this cluster sees them: KWOK runs their pods.
    await createFakeNodes(admin, nodes.map((name) => ({ name, cpu: '8', memory: '32Gi' })));
    await rest.create(SECRETS, { metadata: { name: 'hub-kubeconfig', namespace: ns }, stringData: { kubeconfig: admin.exportConfig() } } as KubernetesObject);
    await rest.create(ORGCLUSTERS, {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'OrgCluster',
      metadata: { name: 'hub', namespace: ns },
      spec: { org, provider: 'kubeconfig', kubeconfigSecretRef: { name: 'hub-kubeconfig' }, hosts: nodes, tags: ['region:eu'] },
    } as KubernetesObject);
    op = await runOperator(parseOperatorConfig({ kubeconfig: kubeconfigPath, httpAddr: '127.0.0.1:0', namespace: ns, leaderElect: false }, {}), log);
    await eventually(async () => {
      const oc = await rest.get<KubernetesObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(ORGCLUSTERS, 'hub', ns);
      expect(oc.status?.conditions?.find((c) => c.type === 'Reachable')?.status).toBe('True');
    }, { timeoutMs: 30_000 });
  }, 120_000);

  afterAll(async () => {
    for (const a of agents.values()) a.stop();
    await op?.stop();
    for (const n of nodes) {
      await rest.delete(MESHNODES, n).catch(() => undefined);
      await rest.delete({ group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false }, n).catch(() => undefined);
    }
    await deleteNamespace(admin, ns);
  });

  const workload = (name: string, spec: Record<string, unknown> = {}, template: Record<string, unknown> = {}) => ({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Workload',
    metadata: { name, namespace: ns },
    spec: { org, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox' }] }, ...template }, ...spec },
  });
  const get = (name: string) => rest.get<Wl>(WORKLOADS, name, ns);
  const podOf = async (wl: Wl) => rest.get<V1Pod & KubernetesObject>(PODS, wl.status!.podRef!.name!, ns);

  it('kubectl apply → placed on a node of the OrgCluster → its pod is Running there; kubectl get shows it', async () => {
    const r = await kubectl(kubeconfigPath, ['apply', '-f', '-'], stringify(workload('web', { resources: { cpu: '1', memory: '1Gi' }, placement: { requiredTags: ['env:prod'] } })));
    expect(r.stderr).toBe('');
    const wl = await eventually(async () => {
      const w = await get('web');
      expect(w.status?.phase).toBe('Running');
      return w;
    }, { timeoutMs: 30_000 });
    expect(wl.status?.placement).toMatchObject({ cluster: `${ns}/hub` });
    expect(nodes).toContain(wl.status?.placement?.node);
    expect(wl.status?.conditions?.find((c) => c.type === 'Scheduled')).toMatchObject({ status: 'True', reason: 'Placed' });
    const pod = await podOf(wl);
    expect(pod.spec?.nodeName).toBe(wl.status?.placement?.node);
    expect(pod.status?.phase).toBe('Running');
    expect(pod.metadata?.labels).toMatchObject({ 'weft.dev/workload': 'web', 'weft.dev/org': org, app: 'web' });
    expect(pod.spec?.containers[0]?.resources?.requests).toMatchObject({ cpu: '1', memory: '1Gi' });
    const table = await kubectl(kubeconfigPath, ['get', 'wl', 'web', '-n', ns]);
    expect(table.stdout).toMatch(new RegExp(`web\\s+${org}\\s+Running\\s+${ns}/hub\\s+${wl.status?.placement?.node}`));
    // The node's allocation counts it.
    await eventually(async () => expect((await rest.get<MN>(MESHNODES, wl.status!.placement!.node!)).status?.allocated).toMatchObject({ cpu: '1', memory: '1Gi' }));
  });

  it('a GPU model that only one node has lands there; one that nobody has stays Pending with every reason', async () => {
    await rest.create(WORKLOADS, workload('train', { resources: { cpu: '2', memory: '4Gi', gpu: 2, gpuModel: 'h100' } }) as KubernetesObject);
    await eventually(async () => expect((await get('train')).status).toMatchObject({ phase: 'Running', placement: { node: gpuNode } }), { timeoutMs: 30_000 });

    await rest.create(WORKLOADS, workload('big', { resources: { cpu: '1', memory: '1Gi', gpu: 1, gpuModel: 'a100' } }) as KubernetesObject);
    const pending = await eventually(async () => {
      const w = await get('big');
      expect(w.status?.phase).toBe('Pending');
      return w;
    });
    const scheduled = pending.status?.conditions?.find((c) => c.type === 'Scheduled');
    expect(scheduled).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    expect(scheduled?.message).toMatch(/^0\/3 candidates available/);
    expect(pending.status?.placement?.rejected).toHaveLength(3);
    for (const r of pending.status!.placement!.rejected!) expect(r.reason).toMatch(/GPU/);
    expect(pending.status?.podRef).toBeUndefined();
    // Events are written after the status, by one writer per controller (as client-go's broadcaster): wait for it.
    await eventually(async () => expect((await kubectl(kubeconfigPath, ['describe', 'wl', 'big', '-n', ns])).stdout).toMatch(/FailedScheduling/), { timeoutMs: 30_000 });
  });

  it('mirrors the pod: exit code 0 → Succeeded, 3 → Failed with the code; finishing frees the node', async () => {
    const template = (code: string) => ({ metadata: { labels: { 'kwok.weft.dev/exit-code': code } } });
    await rest.create(WORKLOADS, workload('ok', { resources: { cpu: '500m', memory: '128Mi' } }, template('0')) as KubernetesObject);
    await rest.create(WORKLOADS, workload('boom', { resources: { cpu: '500m', memory: '128Mi' } }, template('3')) as KubernetesObject);
    await eventually(async () => expect((await get('ok')).status?.phase).toBe('Succeeded'), { timeoutMs: 30_000 });
    const boom = await eventually(async () => {
      const w = await get('boom');
      expect(w.status?.phase).toBe('Failed');
      return w;
    }, { timeoutMs: 30_000 });
    expect(boom.status?.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(/exit code 3/);
    expect(boom.status?.completionTime).toBeDefined();
    expect(op.scheduling.engine.isBound(`${ns}/boom`)).toBe(false);
    expect(op.scheduling.engine.isBound(`${ns}/ok`)).toBe(false);
  });

  it('a deleted pod is replaced by a new placement; deleting the Workload deletes its pod', async () => {
    await rest.create(WORKLOADS, workload('phoenix') as KubernetesObject);
    const first = await eventually(async () => {
      const w = await get('phoenix');
      expect(w.status?.phase).toBe('Running');
      return w;
    }, { timeoutMs: 30_000 });
    const firstPod = first.status!.podRef!.name!;
    await rest.delete(PODS, firstPod, ns);
    const second = await eventually(async () => {
      const w = await get('phoenix');
      expect(w.status?.phase).toBe('Running');
      expect(w.status?.podRef?.name).not.toBe(firstPod);
      return w;
    }, { timeoutMs: 30_000 });
    expect(second.status?.attempts).toBe(2);
    const secondPod = second.status!.podRef!.name!;

    await rest.delete(WORKLOADS, 'phoenix', ns);
    await eventually(async () => {
      await expect(rest.get(WORKLOADS, 'phoenix', ns)).rejects.toMatchObject({ code: 404 });
      await expect(rest.get(PODS, secondPod, ns)).rejects.toMatchObject({ code: 404 });
    }, { timeoutMs: 30_000 });
    expect(op.scheduling.engine.isBound(`${ns}/phoenix`)).toBe(false);
  });

  it('a lost node (MeshNode deleted) moves its Workload to another node', async () => {
    const spare = await host(['env:prod'], { cpu: '4', memory: '8Gi' });
    nodes.push(spare);
    await createFakeNodes(admin, [{ name: spare, cpu: '8', memory: '32Gi' }]);
    await rest.patch(ORGCLUSTERS, { name: 'hub', namespace: ns }, { spec: { hosts: nodes } });
    await rest.create(WORKLOADS, workload('nomad', { placement: { requiredTags: ['env:prod'], preferredTags: [{ tag: 'env:prod', weight: 1 }] } }) as KubernetesObject);
    const first = await eventually(async () => {
      const w = await get('nomad');
      expect(w.status?.phase).toBe('Running');
      return w;
    }, { timeoutMs: 30_000 });
    const lost = first.status!.placement!.node!;
    agents.get(lost)?.stop();
    await rest.delete(MESHNODES, lost);
    const moved = await eventually(async () => {
      const w = await get('nomad');
      expect(w.status?.phase).toBe('Running');
      expect(w.status?.placement?.node).not.toBe(lost);
      return w;
    }, { timeoutMs: 30_000 });
    expect(moved.status?.attempts).toBe(2);
    await eventually(async () => {
      const events = await kubectl(kubeconfigPath, ['get', 'events', '-n', ns, '--field-selector', 'reason=Rescheduling', '-o', 'jsonpath={.items[*].message}']);
      expect(events.stdout).toContain(`MeshNode ${lost} was deleted`);
    }, { timeoutMs: 30_000 });
  });

  it('POST /api/v1/schedule: dryRun explains; otherwise the Workload is created already placed', async () => {
    const body = (name: string, dryRun: boolean) => ({ workload: workload(name, { resources: { cpu: '1', memory: '512Mi', gpu: 1, gpuModel: 'H100' } }), dryRun });
    const scheduler = await userWithRbac(admin, ns, 'scheduler', { namespaced: { [ns]: [{ apiGroups: ['weft.dev'], resources: ['workloads'], verbs: ['create'] }] } });
    const viewer = await userWithRbac(admin, ns, 'viewer', { namespaced: { [ns]: [{ apiGroups: ['weft.dev'], resources: ['workloads'], verbs: ['get', 'list'] }] } });
    const post = (b: unknown, token = scheduler.token) => fetch(`${op.url}/api/v1/schedule`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(b) });
    // RBAC: placing a Workload needs create on workloads in its namespace.
    const anonymous = await fetch(`${op.url}/api/v1/schedule`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body('nobody', true)) });
    expect(anonymous.status).toBe(401);
    const refused = await post(body('not-allowed', true), viewer.token);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toContain(`create workloads.weft.dev in namespace "${ns}"`);
    const dry = await post(body('sched-dry', true));
    expect(dry.status).toBe(200);
    const d = (await dry.json()) as { placed: boolean; decision: { cluster: string; node: string; score: number }; rejected: Array<{ candidate: string; reason: string }> };
    expect(d).toMatchObject({ placed: true, decision: { cluster: `${ns}/hub`, node: gpuNode } });
    expect(d.rejected.map((r) => r.candidate).sort()).toEqual(nodes.filter((n) => n !== gpuNode).map((n) => `${ns}/hub@${n}`).sort());
    await expect(rest.get(WORKLOADS, 'sched-dry', ns)).rejects.toMatchObject({ code: 404 });

    const real = await post(body('sched-real', false));
    expect(real.status).toBe(201);
    const r = (await real.json()) as { placed: boolean; decision: { node: string }; workload: { name: string } };
    expect(r).toMatchObject({ placed: true, workload: { name: 'sched-real' } });
    const wl = await eventually(async () => {
      const w = await get('sched-real');
      expect(w.status?.phase).toBe('Running');
      return w;
    }, { timeoutMs: 30_000 });
    expect(wl.status?.placement?.node).toBe(r.decision.node);

    const bad = await post({ workload: { metadata: { name: 'x', namespace: ns }, spec: { org, template: {}, resources: { cpu: 'lots' } } } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/spec\.resources\.cpu/);
  });
});
