import { join } from 'node:path';
import { HttpMethod, type KubeConfig, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';
import { createCA, issueCertificate, loadCA } from '../../src/cluster/pki.js';
import { MESHNODES, SECRETS, WORKLOADS } from '../../src/api/resources.js';
import type { RunningOperator } from '../../src/operator/run.js';
import { CA_SECRET } from '../../src/pki/ca-store.js';
import { resourcePath, RestClient } from '../../src/runtime/index.js';
import { demoDashboardTokens } from '../../src/server/dashboard/demo.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, kubectl, uniqueName } from '../harness/index.js';
import { ADMIN_RULES, call, deleteClusterRbac, startOperator, userWithRbac, VIEWER_RULES } from './dashboard-helpers.js';

const VIEWER_ROLE_FILE = join(import.meta.dirname, '..', '..', 'config', 'rbac', 'viewer_role.yaml');

type Obj = KubernetesObject & { spec?: Record<string, unknown> };

/** The dashboard API against a real apiserver: TokenReview for who, SubjectAccessReview (real RBAC) for what. */
describe('dashboard API: authentication and RBAC (real apiserver)', () => {
  let admin: KubeConfig;
  let kubeconfig: string;
  let rest: RestClient;
  let ns: string;
  let other: string;
  let op: RunningOperator;
  const users: Record<string, { token: string; username: string; name: string }> = {};
  const node = uniqueName('dash-node');

  beforeAll(async () => {
    const cp = await controlPlane();
    admin = cp.kubeConfig();
    kubeconfig = cp.kubeconfigPath;
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'dash');
    other = await createNamespace(admin, 'dash-other');
    users.viewer = await userWithRbac(admin, ns, 'viewer', { cluster: VIEWER_RULES });
    users.admin = await userWithRbac(admin, ns, 'admin', { cluster: ADMIN_RULES });
    users.nobody = await userWithRbac(admin, ns, 'nobody');
    const clusterRead = { apiGroups: ['weft.dev'], resources: ['orgclusters'], verbs: ['list'] };
    users.nsPods = await userWithRbac(admin, ns, 'ns-pods', { namespaced: { [ns]: [clusterRead, { apiGroups: ['weft.dev'], resources: ['orgclusters/pods'], verbs: ['list'] }] } });
    users.nsClusters = await userWithRbac(admin, ns, 'ns-clusters', { namespaced: { [ns]: [clusterRead] } });
    // May view everything, but delete workloads only in `ns` (a RoleBinding there).
    users.nsDeleter = await userWithRbac(admin, ns, 'ns-deleter', { cluster: VIEWER_RULES, namespaced: { [ns]: [{ apiGroups: ['weft.dev'], resources: ['workloads'], verbs: ['delete'] }] } });
    await rest.create(MESHNODES, { metadata: { name: node }, spec: { org: 'dash', tags: ['gpu:t4'] } } as Obj);
    for (const n of [ns, other]) {
      await rest.create(WORKLOADS, { metadata: { name: 'wl', namespace: n }, spec: { org: 'dash', template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } as Obj);
    }
    op = await startOperator({ kubeconfig, namespace: ns });
  });
  afterAll(async () => {
    await op?.stop();
    await rest.request(HttpMethod.DELETE, resourcePath(MESHNODES, undefined, node)).catch(() => undefined);
    await deleteClusterRbac(admin, [...Object.values(users).map((u) => u.name), 'weft-demo-viewer', 'weft-demo-admin']);
    await deleteNamespace(admin, ns);
    await deleteNamespace(admin, other);
  });

  const READ_API_PATHS = ['/api/v1/nodes', '/api/v1/clusters', '/api/v1/capacity', '/api/v1/pods'];
  const READS = ['/api/v1/dashboard/overview', '/api/v1/dashboard/nodes', '/api/v1/dashboard/clusters', '/api/v1/dashboard/workloads', '/api/v1/dashboard/stream', '/api/v1/dashboard/me'];
  const writes = () => [
    { method: 'POST', path: `/api/v1/nodes/${node}/cordon`, missing: `patch meshnodes.weft.dev "${node}"` },
    { method: 'POST', path: `/api/v1/nodes/${node}/uncordon`, missing: `patch meshnodes.weft.dev "${node}"` },
    { method: 'DELETE', path: `/api/v1/workloads/${ns}/wl`, missing: `delete workloads.weft.dev "wl" in namespace "${ns}"` },
  ];

  it('every /api/ route of /openapi.json without credentials → 401 saying how to sign in; the health routes stay open', async () => {
    const doc = (await call(`${op.url}/openapi.json`)).body as { paths: Record<string, Record<string, unknown>> };
    // Parameters get valid values (kind job, attempt 1), so that authentication, not validation, answers.
    const fill = (p: string) => p.replace('{kind}', 'job').replace('{attempt}', '1').replace(/\{[^}]+\}/g, 'x');
    const routes = Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/')).flatMap(([p, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path: fill(p) })));
    expect(routes.length).toBeGreaterThanOrEqual(READS.length + READ_API_PATHS.length + 4);
    for (const r of routes) {
      const reply = await call(op.url + r.path, { method: r.method });
      // The artifact upload authenticates pods itself (their projected token): its own 401.
      const how = r.method === 'PUT' && r.path.startsWith('/api/v1/artifacts/') ? /no bearer token: send the pod's projected ServiceAccount token/ : /authentication required: no bearer token/;
      expect({ ...r, status: reply.status, message: reply.body.message }).toEqual({ ...r, status: 401, message: expect.stringMatching(how) });
    }
    for (const open of ['/health', '/readyz', '/metrics', '/openapi.json']) expect((await fetch(op.url + open)).status).toBe(200);
  });

  it('the read API: a viewer gets 200; a user without RBAC gets 403 naming the permission and the command that grants it', async () => {
    for (const path of READ_API_PATHS) expect({ path, status: (await call(op.url + path, { token: users.viewer!.token })).status }).toEqual({ path, status: 200 });
    const denied = await Promise.all(READ_API_PATHS.map(async (path) => ({ path, ...(await call(op.url + path, { token: users.nobody!.token })) })));
    const nobody = users.nobody!;
    expect(denied.map((d) => [d.path, d.status, d.body.missing])).toEqual([
      ['/api/v1/nodes', 403, { verb: 'list', group: 'weft.dev', resource: 'meshnodes' }],
      ['/api/v1/clusters', 403, { verb: 'list', group: 'weft.dev', resource: 'orgclusters' }],
      ['/api/v1/capacity', 403, { verb: 'list', group: 'weft.dev', resource: 'meshnodes' }],
      ['/api/v1/pods', 403, { verb: 'list', group: 'weft.dev', resource: 'orgclusters' }],
    ]);
    expect(denied[0]!.body.message).toBe(`forbidden: user "${nobody.username}" lacks the RBAC permission list meshnodes.weft.dev; bind a Role or ClusterRole that grants it (e.g. weft-viewer: kubectl create clusterrolebinding ${nobody.name}-weft-viewer --clusterrole=weft-viewer --serviceaccount=${ns}:${nobody.name})`);
  });

  it('pods of the OrgClusters need orgclusters/pods: a namespaced grant reads its namespace only', async () => {
    const r = await call(`${op.url}/api/v1/pods?cluster=${ns}/none`, { token: users.nsPods!.token });
    expect(r).toEqual({ status: 200, body: { items: [], errors: [] } });
    const all = await call(`${op.url}/api/v1/pods`, { token: users.nsPods!.token });
    expect(all.status).toBe(403);
    expect(all.body.missing).toEqual({ verb: 'list', group: 'weft.dev', resource: 'orgclusters' });
    const noPods = await call(`${op.url}/api/v1/pods?cluster=${ns}/none`, { token: users.nsClusters!.token });
    expect(noPods.status).toBe(403);
    expect(noPods.body.message).toContain(`list orgclusters/pods.weft.dev in namespace "${ns}"`);
    expect(noPods.body.grant).toBe(`kubectl create rolebinding ${users.nsClusters!.name}-weft-viewer -n ${ns} --clusterrole=weft-viewer --serviceaccount=${ns}:${users.nsClusters!.name}`);
  });

  it('the sample weft-viewer ClusterRole (config/rbac) grants every read of the API', async () => {
    await kubectl(kubeconfig, ['apply', '-f', VIEWER_ROLE_FILE]);
    const u = await userWithRbac(admin, ns, 'sample-viewer');
    users.sampleViewer = u;
    await kubectl(kubeconfig, ['create', 'clusterrolebinding', u.name, '--clusterrole=weft-viewer', `--serviceaccount=${ns}:${u.name}`]);
    for (const path of [...READ_API_PATHS, ...READS.filter((p) => !p.endsWith('/stream'))]) expect({ path, status: (await call(op.url + path, { token: u.token })).status }).toEqual({ path, status: 200 });
  });

  it('every write without credentials, or with a token the apiserver rejects → 401', async () => {
    for (const w of writes()) {
      expect((await call(op.url + w.path, { method: w.method })).status).toBe(401);
      const bad = await call(op.url + w.path, { method: w.method, token: 'not-a-real-token' });
      expect(bad.status).toBe(401);
      expect(bad.body.message).toMatch(/token was rejected by the apiserver/);
    }
  });

  it('a viewer reads every page; each write is refused with 403 naming the missing permission, and nothing changes', async () => {
    for (const path of READS.filter((p) => !p.endsWith('/stream'))) expect({ path, status: (await call(op.url + path, { token: users.viewer!.token })).status }).toEqual({ path, status: 200 });
    for (const w of writes()) {
      const r = await call(op.url + w.path, { method: w.method, token: users.viewer!.token });
      expect({ path: w.path, status: r.status }).toEqual({ path: w.path, status: 403 });
      expect(r.body.message).toContain(`user "${users.viewer!.username}" lacks the RBAC permission ${w.missing}`);
    }
    expect((await kubectl(kubeconfig, ['get', 'mn', node, '-o', 'jsonpath={.spec.unschedulable}'])).stdout).not.toBe('true');
    expect((await kubectl(kubeconfig, ['get', 'wl', 'wl', '-n', ns, '-o', 'name'])).exitCode).toBe(0);
    const me = await call(`${op.url}/api/v1/dashboard/me`, { token: users.viewer!.token });
    expect(me.body).toMatchObject({ user: { username: users.viewer!.username }, via: 'token', can: { view: true, cordon: false, uncordon: false, deleteWorkloads: false }, deleteWorkloadNamespaces: [] });
  });

  it('an authenticated user without RBAC gets 403 naming the read permission, and /me says why', async () => {
    const r = await call(`${op.url}/api/v1/dashboard/nodes`, { token: users.nobody!.token });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: 'Forbidden', missing: { verb: 'list', resource: 'meshnodes', group: 'weft.dev' } });
    const w = await call(`${op.url}/api/v1/dashboard/workloads`, { token: users.nobody!.token });
    expect(w.body.message).toContain('list workloads.weft.dev in all namespaces');
    const me = await call(`${op.url}/api/v1/dashboard/me`, { token: users.nobody!.token });
    expect(me.body).toMatchObject({ can: { view: false }, missing: 'list meshnodes.weft.dev' });
  });

  it('a namespaced RoleBinding allows deletes in that namespace only', async () => {
    const t = users.nsDeleter!.token;
    const me = await call(`${op.url}/api/v1/dashboard/me`, { token: t });
    expect(me.body).toMatchObject({ can: { deleteWorkloads: false }, deleteWorkloadNamespaces: [ns] });
    const denied = await call(`${op.url}/api/v1/workloads/${other}/wl`, { method: 'DELETE', token: t });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain(`delete workloads.weft.dev "wl" in namespace "${other}"`);
    expect((await kubectl(kubeconfig, ['get', 'wl', 'wl', '-n', other, '-o', 'name'])).exitCode).toBe(0);
  });

  it('an admin cordons and uncordons (kubectl sees it) and deletes a workload; its detail then says it is gone', async () => {
    const t = users.admin!.token;
    expect(await call(`${op.url}/api/v1/nodes/${node}/cordon`, { method: 'POST', token: t })).toEqual({ status: 200, body: { name: node, unschedulable: true } });
    expect((await kubectl(kubeconfig, ['get', 'mn', node, '-o', 'jsonpath={.spec.unschedulable}'])).stdout).toBe('true');
    await eventually(async () => {
      const nodes = await call(`${op.url}/api/v1/dashboard/nodes`, { token: t });
      expect((nodes.body.items as Array<{ name: string; unschedulable: boolean }>).find((n) => n.name === node)?.unschedulable).toBe(true);
    });
    expect((await call(`${op.url}/api/v1/nodes/${node}/uncordon`, { method: 'POST', token: t })).status).toBe(200);
    expect((await kubectl(kubeconfig, ['get', 'mn', node, '-o', 'jsonpath={.spec.unschedulable}'])).stdout).toBe('false');

    expect(await call(`${op.url}/api/v1/workloads/${other}/wl`, { method: 'DELETE', token: t })).toEqual({ status: 200, body: { namespace: other, name: 'wl', deleted: true } });
    expect((await kubectl(kubeconfig, ['get', 'wl', 'wl', '-n', other])).stderr).toMatch(/NotFound/);
    await eventually(async () => {
      const gone = await call(`${op.url}/api/v1/dashboard/workloads/${other}/wl`, { token: t });
      expect(gone.status).toBe(404);
      expect(gone.body.message).toBe(`Workload "${other}/wl" not found: it does not exist or was deleted`);
    });
    expect((await call(`${op.url}/api/v1/workloads/${other}/wl`, { method: 'DELETE', token: t })).status).toBe(404);
  });

  it('the demo users `weft up` creates can sign in: viewer reads, admin may write', async () => {
    const tokens = await demoDashboardTokens(admin, ns);
    const viewer = await call(`${op.url}/api/v1/dashboard/me`, { token: tokens['weft-demo-viewer'] });
    expect(viewer.body).toMatchObject({ user: { username: `system:serviceaccount:${ns}:weft-demo-viewer` }, can: { view: true, cordon: false, deleteWorkloads: false } });
    const adm = await call(`${op.url}/api/v1/dashboard/me`, { token: tokens['weft-demo-admin'] });
    expect(adm.body).toMatchObject({ can: { view: true, cordon: true, uncordon: true, deleteWorkloads: true } });
  });

  it('a malformed Authorization header is 401, not a crash', async () => {
    const res = await fetch(`${op.url}/api/v1/dashboard/nodes`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(/not "Bearer <token>"/);
  });

  describe('over HTTPS (--http-tls): the API needs a client certificate from the operator CA', () => {
    let tls: RunningOperator;
    let caPem: string;
    let client: { certPem: string; keyPem: string };

    beforeAll(async () => {
      tls = await startOperator({ kubeconfig, namespace: ns, httpTls: true });
      const s = await rest.get<V1Secret>(SECRETS, CA_SECRET, ns);
      const b = (k: string) => Buffer.from(s.data![k]!, 'base64').toString('utf8');
      caPem = b('tls.crt');
      client = await issueCertificate(await loadCA({ certPem: caPem, keyPem: b('tls.key') }), { commonName: users.viewer!.username, usage: 'client' });
    });
    afterAll(async () => tls?.stop());

    it('refuses a TLS connection without a client certificate, even with a valid token', async () => {
      const r = await call(`${tls.url}/api/v1/dashboard/nodes`, { token: users.viewer!.token, tls: { ca: caPem } });
      expect(r.status).toBe(401);
      expect(r.body.message).toMatch(/needs a client certificate issued by the operator CA/);
      const w = await call(`${tls.url}/api/v1/nodes/${node}/cordon`, { method: 'POST', token: users.admin!.token, tls: { ca: caPem } });
      expect(w.status).toBe(401);
    });

    it('refuses a client certificate from another CA', async () => {
      const evil = await issueCertificate(await createCA('evil-ca'), { commonName: users.viewer!.username, usage: 'client' });
      const r = await call(`${tls.url}/api/v1/dashboard/nodes`, { token: users.viewer!.token, tls: { ca: caPem, cert: evil.certPem, key: evil.keyPem } });
      expect(r.status).toBe(401);
    });

    it('accepts a certificate from the operator CA: with a token the token says who; without, the certificate (CN) does', async () => {
      const withToken = await call(`${tls.url}/api/v1/dashboard/me`, { token: users.admin!.token, tls: { ca: caPem, cert: client.certPem, key: client.keyPem } });
      expect(withToken.body).toMatchObject({ user: { username: users.admin!.username }, via: 'token', can: { cordon: true } });
      const byCert = await call(`${tls.url}/api/v1/dashboard/nodes`, { tls: { ca: caPem, cert: client.certPem, key: client.keyPem } });
      expect(byCert.status).toBe(200); // CN = the viewer's ServiceAccount user name, which RBAC lets list
      const denied = await call(`${tls.url}/api/v1/nodes/${node}/cordon`, { method: 'POST', tls: { ca: caPem, cert: client.certPem, key: client.keyPem } });
      expect(denied.status).toBe(403);
      expect(denied.body.message).toContain(`user "${users.viewer!.username}" lacks the RBAC permission patch meshnodes.weft.dev`);
    });

    it('the health endpoints stay open', async () => {
      expect((await call(`${tls.url}/health`, { tls: { ca: caPem } })).status).toBe(200);
    });
  });
});
