import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { NodeAgent } from '../../src/nodeagent/agent.js';
import { provisionAgent } from '../../src/nodeagent/provision.js';
import { NODE_LEASE_NAMESPACE } from '../../src/nodeagent/rbac.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { LEASES, MESHNODES } from '../../src/api/resources.js';
import { Manager, RestClient, type Condition } from '../../src/runtime/index.js';
import { setupMeshNodeController } from '../../controllers/meshnode/reconcile.js';
import { controlPlane, eventually, uniqueName, testLogger } from '../harness/index.js';

const log = testLogger();
type MeshNode = KubernetesObject & { spec?: Record<string, unknown>; status?: { capacity?: Record<string, unknown>; conditions?: Condition[] } };
const cond = (n: MeshNode, type: string) => n.status?.conditions?.find((c) => c.type === type);

describe('weft agent → MeshNode, and the MeshNode controller (real apiserver)', () => {
  let admin: KubeConfig;
  let rest: RestClient;
  let mgr: Manager;

  beforeAll(async () => {
    admin = (await controlPlane()).kubeConfig();
    rest = new RestClient(admin);
    mgr = new Manager(admin, { log, metrics: new Registry() });
    const cfg = parseOperatorConfig({}, {});
    setupMeshNodeController({ kc: admin, mgr, cfg, log }, { gracePeriodMs: 3000 });
    await mgr.start({ waitForSync: true });
  });
  afterAll(async () => mgr.stop());

  async function provisioned(org = 'acme') {
    const name = uniqueName('host');
    const kubeconfig = await provisionAgent(admin, { name, org, tags: ['gpu:t4', 'zone:eu-1'] });
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfig);
    return { name, kc };
  }

  it('provisioning creates the MeshNode; the agent reports capacity and the node becomes Ready', async () => {
    const { name, kc } = await provisioned();
    const agent = new NodeAgent({
      name,
      kc,
      log,
      detect: async () => ({ cpu: '8', memory: '32Gi', ephemeralStorage: '100Gi', gpus: [{ model: 'Tesla T4', memory: '15360Mi', count: 1 }] }),
      heartbeatIntervalMs: 500,
    });
    await agent.start();
    try {
      const node = await eventually(async () => {
        const n = await rest.get<MeshNode>(MESHNODES, name);
        expect(cond(n, 'Ready')).toMatchObject({ status: 'True', reason: 'HeartbeatFresh' });
        expect(cond(n, 'CapacityReported')).toMatchObject({ status: 'True' });
        return n;
      });
      expect(node.spec).toMatchObject({ org: 'acme', tags: ['gpu:t4', 'zone:eu-1'] });
      expect(node.status?.capacity).toMatchObject({ cpu: '8', memory: '32Gi', gpus: [{ model: 'Tesla T4', count: 1 }] });
    } finally {
      agent.stop();
    }
  });

  it('marks the node Ready=False within the grace period after heartbeats stop', async () => {
    const { name, kc } = await provisioned();
    const agent = new NodeAgent({ name, kc, log, detect: async () => ({ cpu: '2', memory: '4Gi' }), heartbeatIntervalMs: 300 });
    await agent.start();
    await eventually(async () => expect(cond(await rest.get<MeshNode>(MESHNODES, name), 'Ready')?.status).toBe('True'));
    const stoppedAt = Date.now();
    agent.stop();
    const node = await eventually(
      async () => {
        const n = await rest.get<MeshNode>(MESHNODES, name);
        expect(cond(n, 'Ready')).toMatchObject({ status: 'False', reason: 'HeartbeatTimeout' });
        return n;
      },
      { timeoutMs: 15_000 },
    );
    // grace 3 s + requeue slack 1 s + a little for the write
    expect(Date.now() - stoppedAt).toBeLessThan(3000 + 1000 + 3000);
    expect(cond(node, 'Ready')?.message).toMatch(/no heartbeat for \d+s \(grace period 3s\)/);
  });

  it('the agent credential can write only its own MeshNode and Lease (RBAC)', async () => {
    const a = await provisioned();
    const b = await provisioned();
    const asA = new RestClient(a.kc);
    // own objects: allowed
    await asA.patch(MESHNODES, { name: a.name }, { status: { capacity: { cpu: '1' } } }, { subresource: 'status' });
    await asA.patch(LEASES, { name: a.name, namespace: NODE_LEASE_NAMESPACE }, { spec: { renewTime: '2026-11-24T10:00:00.000000Z' } });
    // anybody else's: forbidden
    await expect(asA.patch(MESHNODES, { name: b.name }, { status: { capacity: { cpu: '64' } } }, { subresource: 'status' })).rejects.toMatchObject({ code: 403 });
    await expect(asA.patch(LEASES, { name: b.name, namespace: NODE_LEASE_NAMESPACE }, { spec: {} })).rejects.toMatchObject({ code: 403 });
    await expect(asA.list(MESHNODES)).rejects.toMatchObject({ code: 403 });
    await expect(asA.create(MESHNODES, { metadata: { name: uniqueName('rogue') }, spec: { org: 'acme' } } as KubernetesObject)).rejects.toMatchObject({ code: 403 });
    await expect(asA.delete(MESHNODES, a.name)).rejects.toMatchObject({ code: 403 });
  });

  it('an agent whose MeshNode does not exist fails with the fix', async () => {
    const agent = new NodeAgent({ name: 'never-provisioned', kc: admin, log, detect: async () => ({}) });
    await expect(agent.start()).rejects.toThrow(/weft agent provision --name never-provisioned/);
  });
});
