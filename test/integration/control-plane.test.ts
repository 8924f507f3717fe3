import {
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { LocalControlPlane } from '../../src/cluster/local.js';
import { isAlive } from '../../src/cluster/process.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, kubectl, processesMentioning, uniqueName } from '../harness/index.js';


describe('LocalControlPlane (real etcd + kube-apiserver)', () => {
  let cp: LocalControlPlane;
  let admin: KubeConfig;
  let ns: string;

  beforeAll(async () => {
    cp = await controlPlane();
    admin = cp.kubeConfig();
    ns = await createNamespace(admin, 'cp');
  });
  afterAll(async () => deleteNamespace(admin, ns));

  it('lets the admin list namespaces', async () => {
    const list = await admin.makeApiClient(CoreV1Api).listNamespace();
    const names = list.items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', ns]));
  });

  it('works with the real kubectl and the written kubeconfig', async () => {
    const r = await kubectl(cp.kubeconfigPath, ['get', 'ns', ns, '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`namespace/${ns}`);
  });

  it('enforces RBAC: a user bound to no role gets 403, and a RoleBinding grants exactly its rules', async () => {
    // Given a user authenticated by a client certificate but bound to nothing
    const user = uniqueName('alice');
    const kc = new KubeConfig();
    kc.loadFromFile(await cp.userKubeconfig(user));
    const core = kc.makeApiClient(CoreV1Api);
    // Then every read is forbidden (403, not 401: the user is authenticated)
    await expect(core.listNamespace()).rejects.toMatchObject({ code: 403 });
    await expect(core.listNamespacedPod({ namespace: ns })).rejects.toMatchObject({ code: 403 });
    // When the user is bound to a Role that may list pods in one namespace
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'alice-pod-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    // Then pods in that namespace can be listed, but not secrets, nor namespaces
    await eventually(async () => expect((await core.listNamespacedPod({ namespace: ns })).items).toEqual([]));
    await expect(core.listNamespacedSecret({ namespace: ns })).rejects.toMatchObject({ code: 403 });
    await expect(core.listNamespace()).rejects.toMatchObject({ code: 403 });
  });

  it('issues ServiceAccount tokens with TokenRequest that authenticate as the ServiceAccount', async () => {
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'robot' } } });
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'robot',
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tr.status?.token;
    expect(token).toMatch(/^eyJ/);
    const asRobot = cp.tokenKubeConfig(token!);
    const review = await asRobot.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${ns}:robot`);
    // Authenticated but unauthorized: 403 (a bad token would be 401)
    await expect(asRobot.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 403 });
    const bogus = cp.tokenKubeConfig(`${token!.slice(0, -4)}AAAA`);
    await expect(bogus.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 401 });
  });
});

describe('LocalControlPlane lifecycle', () => {
  it('stops cleanly and leaves no etcd or kube-apiserver process behind', async () => {
    const own = await LocalControlPlane.start();
    const dir = own.dir;
    const groups = own.processes().map((p) => p.pgid);
    expect(groups).toHaveLength(2);
    for (const g of groups) expect(isAlive(-g)).toBe(true);
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(2);

    await own.stop();

    for (const g of groups) expect(isAlive(-g)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('reports a missing state dir with a message that says how to start one', async () => {
    await expect(LocalControlPlane.attach('/nonexistent/weft')).rejects.toThrow(/weft cluster up/);
  });
});
