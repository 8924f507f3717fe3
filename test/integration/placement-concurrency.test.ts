import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { NodeAgent } from '../../src/nodeagent/agent.js';
import { provisionAgent } from '../../src/nodeagent/provision.js';
import type { Workload } from '../../src/api/workload/types.js';
import { createFakeNodes } from '../../src/cluster/kwok.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { MESHNODES, NODES, ORGCLUSTERS, SECRETS, WORKLOADS } from '../../src/api/resources.js';
import { RestClient } from '../../src/runtime/index.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, uniqueName, testLogger } from '../harness/index.js';

const log = testLogger();
type Wl = Workload & KubernetesObject;
type MN = KubernetesObject & { status?: { allocated?: { cpu?: string } } };

const NODE_COUNT = 10;
const PER_NODE = 15; // each node has 15 CPUs, each Workload asks for 1
const WORKLOADS_AT_ONCE = 200;

/** Karmada #1385 is the bug to avoid: concurrent placements must never over-commit a node. */
describe('200 Workloads at once against room for 150 (real apiserver)', () => {
  let admin: KubeConfig;
  let rest: RestClient;
  let ns: string;
  let op: RunningOperator;
  const agents: NodeAgent[] = [];
  const nodes: string[] = [];

  beforeAll(async () => {
    const cp = await controlPlane();
    admin = cp.kubeConfig();
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'burst');
    for (let i = 0; i < NODE_COUNT; i++) {
      const name = uniqueName('burst-host');
      const kc = new KubeConfig();
      kc.loadFromString(await provisionAgent(admin, { name, org: ns, tags: [] }));
      const agent = new NodeAgent({ name, kc, log, detect: async () => ({ cpu: String(PER_NODE), memory: '64Gi' }), heartbeatIntervalMs: 2000 });
      await agent.start();
      agents.push(agent);
      nodes.push(name);
    }
    await createFakeNodes(admin, nodes.map((name) => ({ name, cpu: '32', memory: '128Gi', pods: '250' })));
    await rest.create(SECRETS, { metadata: { name: 'hub', namespace: ns }, stringData: { kubeconfig: admin.exportConfig() } } as KubernetesObject);
    await rest.create(ORGCLUSTERS, {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'OrgCluster',
      metadata: { name: 'hub', namespace: ns },
      spec: { org: ns, provider: 'kubeconfig', kubeconfigSecretRef: { name: 'hub' }, hosts: nodes },
    } as KubernetesObject);
    op = await runOperator(parseOperatorConfig({ kubeconfig: cp.kubeconfigPath, httpAddr: '127.0.0.1:0', namespace: ns, leaderElect: false }, {}), log);
    await eventually(async () => {
      for (const n of nodes) expect(op.scheduling.engine.free(n).cpuMilli).toBe(PER_NODE * 1000);
      expect(op.scheduling.clusters.get(`${ns}/hub`)?.status?.conditions?.find((c) => c.type === 'Reachable')?.status).toBe('True');
    }, { timeoutMs: 30_000 });
  }, 120_000);

  afterAll(async () => {
    for (const a of agents) a.stop();
    await op?.stop();
    for (const n of nodes) {
      await rest.delete(MESHNODES, n).catch(() => undefined);
      await rest.delete(NODES, n).catch(() => undefined);
    }
    await deleteNamespace(admin, ns);
  });

  it('places exactly 150, leaves 50 Pending with reasons, and over-commits no node', async () => {
    const body = (i: number) =>
      ({
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'Workload',
        metadata: { name: `w-${i}`, namespace: ns },
        spec: { org: ns, resources: { cpu: '1', memory: '1Gi' }, template: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
      }) as KubernetesObject;
    await Promise.all(Array.from({ length: WORKLOADS_AT_ONCE }, (_, i) => rest.create(WORKLOADS, body(i))));

    const settled = await eventually(
      async () => {
        const { items } = await rest.list<Wl>(WORKLOADS, { namespace: ns });
        const placed = items.filter((w) => w.status?.placement?.node);
        const pending = items.filter((w) => w.status?.phase === 'Pending');
        expect(placed.length + pending.length).toBe(WORKLOADS_AT_ONCE);
        return { placed, pending };
      },
      { timeoutMs: 90_000 },
    );
    expect(settled.placed).toHaveLength(NODE_COUNT * PER_NODE);
    expect(settled.pending).toHaveLength(WORKLOADS_AT_ONCE - NODE_COUNT * PER_NODE);

    const perNode = new Map<string, number>();
    for (const w of settled.placed) perNode.set(w.status!.placement!.node!, (perNode.get(w.status!.placement!.node!) ?? 0) + 1);
    expect([...perNode.values()].every((n) => n <= PER_NODE)).toBe(true);
    expect([...perNode.values()].reduce((a, b) => a + b, 0)).toBe(150);

    for (const w of settled.pending) {
      const c = w.status?.conditions?.find((x) => x.type === 'Scheduled');
      expect(c).toMatchObject({ status: 'False', reason: 'Unschedulable' });
      expect(c?.message).toMatch(new RegExp(`^0/${NODE_COUNT} candidates available: ${NODE_COUNT} InsufficientCPU`));
      expect(w.status?.placement?.rejected?.[0]?.reason).toMatch(/InsufficientCPU: needs cpu 1, node has 0 free of 15/);
    }
    // What the MeshNodes report agrees: every node full, none over.
    await eventually(async () => {
      for (const n of nodes) expect((await rest.get<MN>(MESHNODES, n)).status?.allocated?.cpu).toBe(String(PER_NODE));
    }, { timeoutMs: 30_000 });
  }, 150_000);
});
