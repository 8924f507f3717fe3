import type { KubeConfig, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { OrgCluster } from '../../src/api/orgcluster/types.js';
import { PODS, SECRETS } from '../../src/api/resources.js';
import { ClusterConnections, podOf } from '../../src/cluster/connections.js';
import { RestClient } from '../../src/runtime/index.js';
import { controlPlane, createNamespace, deleteNamespace, eventually } from '../harness/index.js';

/**
 * One way to reach pods in OrgClusters (src/cluster/connections.ts): OrgClusters on one API server
 * with one identity share one client and one pod watch, which the Workload controller, the dashboard
 * and the read API all read.
 */
describe('ClusterConnections (real apiserver)', () => {
  let admin: KubeConfig;
  let rest: RestClient;
  let ns: string;
  let conns: ClusterConnections;
  const orgCluster = (name: string, secret: string) => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata: { name, namespace: ns }, spec: { org: 'acme', provider: 'kubeconfig', kubeconfigSecretRef: { name: secret } } }) as unknown as OrgCluster;
  const pod = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) => ({ metadata: { name, namespace: ns, labels, annotations }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }) as KubernetesObject;
  const weft = { 'app.kubernetes.io/managed-by': 'weft', 'weft.dev/workload-uid': 'u-1' };

  beforeAll(async () => {
    const cp = await controlPlane();
    admin = cp.kubeConfig();
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'conn');
    await rest.create(SECRETS, { metadata: { name: 'here', namespace: ns }, stringData: { kubeconfig: admin.exportConfig() } } as KubernetesObject);
    const closed = admin.exportConfig().replace(/https:\/\/(127\.0\.0\.1|localhost):\d+/, 'https://127.0.0.1:1');
    expect(closed).not.toBe(admin.exportConfig());
    await rest.create(SECRETS, { metadata: { name: 'nowhere', namespace: ns }, stringData: { kubeconfig: closed } } as KubernetesObject);
    await rest.create(PODS, pod('east-1', weft, { 'weft.dev/orgcluster': `${ns}/east` }));
    await rest.create(PODS, pod('plain', { app: 'x' }));
    conns = new ClusterConnections({ hub: rest, retryMs: 500 });
  }, 60_000);

  afterAll(async () => {
    await conns?.stop();
    await deleteNamespace(admin, ns);
  });

  it('two OrgClusters on one API server share one watch of Weft’s pods; each sees its own', async () => {
    const seen: string[] = [];
    conns.onPod((p) => seen.push(p.metadata!.name!));
    const east = await conns.get(orgCluster('east', 'here'));
    const west = await conns.get(orgCluster('west', 'here'));
    expect(east.pods).toBe(west.pods);
    expect(east.rest).toBe(west.rest);
    expect(podOf(east, `${ns}/east-1`)?.metadata?.name).toBe('east-1');
    expect(podOf(west, `${ns}/east-1`)).toBeUndefined();
    expect(east.pods.get(`${ns}/plain`)).toBeUndefined(); // not Weft's: not watched yet
    expect(seen).toContain('east-1');
    expect(conns.ready().map((c) => c.id).sort()).toEqual([`${ns}/east`, `${ns}/west`]);
  });

  it('a reader widens the shared watch to every pod: still one watch, the controller’s view included', async () => {
    const east = await conns.get(orgCluster('east', 'here'));
    const narrow = east.pods;
    const pods = await conns.allPodsOf(orgCluster('west', 'here'));
    expect(pods.map((p) => p.metadata!.name).filter((n) => n === 'plain' || n === 'east-1')).toEqual(['plain']);
    expect(east.pods).not.toBe(narrow);
    expect(east.pods).toBe((await conns.get(orgCluster('west', 'here'))).pods);
    expect(east.pods.get(`${ns}/plain`)?.metadata?.name).toBe('plain');
    expect(conns.podsNow(orgCluster('east', 'here')).items.map((p) => p.metadata!.name)).toEqual(expect.arrayContaining(['east-1', 'plain']));
    await rest.create(PODS, pod('late', {}));
    await eventually(async () => expect(podOf(east, `${ns}/late`)?.metadata?.name).toBe('late'));
  });

  it('an unreachable cluster: the controller’s get fails with the reason; a reader sees syncing, then the error', async () => {
    await expect(conns.get(orgCluster('gone', 'nowhere'))).rejects.toThrow();
    expect(conns.podsNow(orgCluster('gone', 'nowhere')).state).toBe('syncing');
    await eventually(async () => expect(conns.podsNow(orgCluster('gone', 'nowhere'))).toMatchObject({ state: 'error', message: expect.stringMatching(/connection refused/) as unknown as string, items: [] }));
  });

  it('dropping one OrgCluster keeps the watch its neighbour uses', async () => {
    const west = await conns.get(orgCluster('west', 'here'));
    await conns.drop(`${ns}/east`);
    await rest.create(PODS, pod('after-drop', {}));
    await eventually(async () => expect(west.pods.get(`${ns}/after-drop`)).toBeDefined());
    expect((west.pods.list() as V1Pod[]).length).toBeGreaterThan(1);
  });
});
