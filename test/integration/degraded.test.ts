/**
 * A reconcile that gives up (TerminalError) is visible in the object's status as `Degraded=True`
 * with its reason and message (what `kubectl describe` and `kubectl wait` read), and a later
 * successful reconcile sets `Degraded=False`.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { setupOrgClusterController } from '../../controllers/orgcluster/reconcile.js';
import { ORGCLUSTERS } from '../../src/api/resources.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { Manager, RestClient, TerminalError, type Condition } from '../../src/runtime/index.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, uniqueName, testLogger } from '../harness/index.js';

const log = testLogger();
type OrgCluster = KubernetesObject & { spec?: Record<string, unknown>; status?: { conditions?: Condition[] } };
const degraded = (o: OrgCluster) => o.status?.conditions?.find((c) => c.type === 'Degraded');

describe('TerminalError → Degraded condition (real apiserver)', () => {
  let admin: KubeConfig;
  let rest: RestClient;
  let ns: string;
  const managers: Manager[] = [];

  beforeAll(async () => {
    admin = (await controlPlane()).kubeConfig();
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'degraded');
  });
  afterAll(async () => {
    for (const m of managers) await m.stop();
    await deleteNamespace(admin, ns);
  });
  const manager = () => {
    const m = new Manager(admin, { log, metrics: new Registry() });
    managers.push(m);
    return m;
  };
  const create = (name: string, spec: Record<string, unknown>) => rest.create<OrgCluster>(ORGCLUSTERS, { metadata: { name, namespace: ns }, spec: { org: 'acme', ...spec } } as OrgCluster);

  it('an OrgCluster whose provider is not available shows Degraded=True UnsupportedProvider', async () => {
    const mgr = manager();
    // No talos provider in this operator: the controller cannot act on the object until it changes.
    setupOrgClusterController({ kc: admin, mgr, cfg: parseOperatorConfig({}, {}), log }, { providers: { talos: undefined } });
    await mgr.start({ waitForSync: true });
    const name = uniqueName('oc');
    await create(name, { provider: 'talos', talos: { endpoints: ['10.5.0.2'], configSecretRef: { name: 'x' } } });
    const c = await eventually(async () => {
      const d = degraded(await rest.get<OrgCluster>(ORGCLUSTERS, name, ns));
      expect(d).toMatchObject({ status: 'True', reason: 'UnsupportedProvider' });
      return d!;
    });
    expect(c.message).toMatch(/spec.provider "talos" is not available; use one of: kubeconfig, local$/);
    await mgr.stop();
  });

  it('a later successful reconcile sets Degraded=False', async () => {
    const name = uniqueName('oc');
    let broken = true;
    const mgr = manager();
    mgr.add({
      name: 'degraded-test',
      for: ORGCLUSTERS,
      reconcile: async ({ name: n }) => {
        if (n === name && broken) throw new TerminalError('spec.bogus cannot be handled', 'InvalidSpec');
      },
    });
    await mgr.start({ waitForSync: true });
    await create(name, { provider: 'kubeconfig', kubeconfigSecretRef: { name: 'x' } });
    await eventually(async () => expect(degraded(await rest.get<OrgCluster>(ORGCLUSTERS, name, ns))).toMatchObject({ status: 'True', reason: 'InvalidSpec', message: 'spec.bogus cannot be handled' }));
    broken = false;
    await rest.patch(ORGCLUSTERS, { name, namespace: ns }, { metadata: { labels: { poke: '1' } } }, { type: 'merge' });
    await eventually(async () => expect(degraded(await rest.get<OrgCluster>(ORGCLUSTERS, name, ns))).toMatchObject({ status: 'False', reason: 'Reconciled' }));
  });
});
