import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpMethod, type KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import type { BrowserContext, Page } from 'playwright-core';
import { setupMeshNodeController } from '../../controllers/meshnode/reconcile.js';
import { NODE_LEASE_NAMESPACE } from '../../src/nodeagent/rbac.js';
import { createFakeNodes, KWOK_TOLERATION } from '../../src/cluster/kwok.js';
import { POD_CLUSTER_ANNOTATION } from '../../src/api/labels.js';
import { AGENTTASKS, LEASES, MESHNODES, ORGCLUSTERS, PODS, SECRETS, WORKLOADS } from '../../src/api/resources.js';
import type { RunningOperator } from '../../src/operator/run.js';
import { ensureNamespace } from '../../src/cluster/crds.js';
import { isNotFound, microTime, resourcePath, RestClient } from '../../src/runtime/index.js';
import { EVENTS } from '../../src/server/dashboard/routes.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, kubectl, uniqueName } from '../harness/index.js';
import { ADMIN_RULES, deleteClusterRbac, launchChromium, signIn, startOperator, userWithRbac, VIEWER_RULES } from './dashboard-helpers.js';

type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const SHOTS = join(import.meta.dirname, '..', '..', 'reports', 'screenshots');
const now = () => new Date().toISOString();
const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastTransitionTime: now() });

/**
 * The dashboard in Debian's Chromium against the test control plane: real MeshNodes (Ready from
 * real heartbeat Leases through the MeshNode controller), OrgClusters, Workloads and pods on KWOK
 * nodes, real ServiceAccounts and RBAC. Screenshots of every page go to reports/screenshots/.
 */
describe('dashboard in Chromium (real objects, real RBAC)', () => {
  let admin: KubeConfig;
  let kubeconfig: string;
  let rest: RestClient;
  let ns: string;
  let op: RunningOperator;
  let browser: { ctx: BrowserContext; close(): Promise<void> };
  let heartbeat: NodeJS.Timeout | undefined;
  const pageErrors: string[] = [];
  const org = uniqueName('dash');
  const nodes = { a: `${org}-a`, b: `${org}-b`, stale: `${org}-stale` };
  const live = new Set(Object.values(nodes));
  const kwokNode = uniqueName('kwok');
  const users: Record<'viewer' | 'admin', { token: string; name: string }> = {} as never;

  const renew = async (name: string) => {
    const body = { metadata: { name, namespace: NODE_LEASE_NAMESPACE }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(new Date()) } } as Obj;
    try {
      await rest.patch(LEASES, { name, namespace: NODE_LEASE_NAMESPACE }, { spec: body.spec });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await rest.create(LEASES, body);
    }
  };

  beforeAll(async () => {
    // Given: a browser, two users, a namespace with clusters, workloads and pods, and three nodes with heartbeats.
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    browser.ctx.on('weberror', (e) => pageErrors.push(e.error().message));
    await mkdir(SHOTS, { recursive: true });
    const cp = await controlPlane();
    admin = cp.kubeConfig();
    kubeconfig = cp.kubeconfigPath;
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'dash-ui');
    await ensureNamespace(admin, NODE_LEASE_NAMESPACE);
    users.viewer = await userWithRbac(admin, ns, 'viewer', { cluster: VIEWER_RULES });
    users.admin = await userWithRbac(admin, ns, 'admin', { cluster: ADMIN_RULES });
    for (const [i, name] of Object.values(nodes).entries()) {
      await rest.create(MESHNODES, { metadata: { name }, spec: { org, tags: i === 0 ? ['gpu:t4', 'zone:eu-1'] : ['zone:eu-1'] } } as Obj);
      const res = { cpu: '8', memory: '32Gi', gpus: i === 0 ? [{ model: 'NVIDIA T4', count: 2 }] : [] };
      await rest.patch(MESHNODES, { name }, { status: { capacity: res, allocatable: res } }, { subresource: 'status' });
      await renew(name);
    }
    heartbeat = setInterval(() => void Promise.all([...live].map(renew)).catch(() => undefined), 1000);

    await createFakeNodes(admin, [{ name: kwokNode }]);
    const pod = (name: string, nodeName?: string) => ({ metadata: { name, namespace: ns }, spec: { ...(nodeName ? { nodeName } : {}), tolerations: [KWOK_TOLERATION], containers: [{ name: 'c', image: 'busybox' }] } }) as KubernetesObject;
    await rest.create(PODS, pod('run-1', kwokNode));
    await rest.create(PODS, pod('run-2', kwokNode));
    await rest.create(PODS, pod('waiting'));
    await rest.create(SECRETS, { metadata: { name: 'here-kc', namespace: ns }, data: { kubeconfig: Buffer.from(await readFile(kubeconfig, 'utf8')).toString('base64') } } as KubernetesObject);
    const nowhere = (await readFile(kubeconfig, 'utf8')).replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1');
    await rest.create(SECRETS, { metadata: { name: 'away-kc', namespace: ns }, data: { kubeconfig: Buffer.from(nowhere).toString('base64') } } as KubernetesObject);
    // The OrgCluster controller is tested on its own; here the status it would write is set directly.
    for (const [name, reachable] of [['here', true], ['away', false]] as const) {
      await rest.create(ORGCLUSTERS, { metadata: { name, namespace: ns }, spec: { org, provider: 'kubeconfig', kubeconfigSecretRef: { name: `${name}-kc` } } } as Obj);
      const status = reachable
        ? { kubernetesVersion: 'v1.36.3', nodes: 1, capacity: { cpu: '4', memory: '16Gi' }, allocatable: { cpu: '4', memory: '16Gi' }, conditions: [cond('Reachable', 'True', 'ProbeSucceeded', 'reachable'), cond('Ready', 'True', 'ClusterReady', 'ready')] }
        : { conditions: [cond('Reachable', 'False', 'ProbeFailed', 'connection refused (is the apiserver running and the port right?)'), cond('Ready', 'False', 'Unreachable', 'unreachable')] };
      await rest.patch(ORGCLUSTERS, { name, namespace: ns }, { status }, { subresource: 'status' });
    }
    const workload = async (name: string, status: Record<string, unknown>) => {
      await rest.create(WORKLOADS, { metadata: { name, namespace: ns }, spec: { org, resources: { cpu: '2', memory: '4Gi' }, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } as Obj);
      await rest.patch(WORKLOADS, { name, namespace: ns }, { status }, { subresource: 'status' });
    };
    await workload('train', { phase: 'Running', placement: { cluster: `${ns}/here`, node: nodes.a, score: 87 }, podRef: { cluster: `${ns}/here`, namespace: ns, name: 'run-1' } });
    await workload('infer', { phase: 'Pending', placement: { rejected: [{ candidate: nodes.a, reason: 'needs gpu:a100, has gpu:t4' }, { candidate: nodes.b, reason: 'needs gpu:a100, has none' }] }, conditions: [cond('Scheduled', 'False', 'Unschedulable', `0/3 nodes fit: 3 lack gpu:a100`)] });
    await workload('doomed', { phase: 'Succeeded', placement: { cluster: `${ns}/here`, node: nodes.b, score: 50 } });

    op = await startOperator({ kubeconfig, namespace: ns, controllers: [{ name: 'meshnode', setup: (ctx) => setupMeshNodeController(ctx, { gracePeriodMs: 4000 }) }] });
  }, 120_000);

  afterAll(async () => {
    if (heartbeat) clearInterval(heartbeat);
    await browser?.close();
    await op?.stop();
    for (const n of Object.values(nodes)) {
      await rest.request(HttpMethod.DELETE, resourcePath(MESHNODES, undefined, n)).catch(() => undefined);
      await rest.request(HttpMethod.DELETE, resourcePath(LEASES, NODE_LEASE_NAMESPACE, n)).catch(() => undefined);
    }
    await deleteClusterRbac(admin, Object.values(users).map((u) => u.name));
    await deleteNamespace(admin, ns);
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** Opens `path` in a new tab (its own sessionStorage, so signed out) and signs in with `token`. */
  const signedIn = (path: string, token: string): Promise<Page> => signIn(browser.ctx, op.url + path, token);

  it('the login page refuses a bad token with a readable message', async () => {
    const page = await browser.ctx.newPage();
    await page.goto(op.url + '/');
    await page.locator('textarea#token').waitFor();
    await shot(page, '01-login');
    await page.locator('textarea#token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByTestId('login-error'), /token was rejected by the apiserver/);
    await page.close();
  }, 60_000);

  it('overview: the right counts for the org (a deep link with a filter), live', async () => {
    const page = await signedIn(`/?org=${org}`, users.viewer.token);
    const pods = await rest.list<V1Pod>(PODS);
    const byPhase: Record<string, number> = {};
    await eventually(async () => {
      // The cluster "here" is this control plane: its pods are those without an OrgCluster
      // annotation and those annotated with "here" (other tests' pods belong to their own clusters).
      const all = (await rest.list<V1Pod>(PODS)).items.filter((p) => [undefined, `${ns}/here`].includes(p.metadata?.annotations?.[POD_CLUSTER_ANNOTATION]));
      for (const k of Object.keys(byPhase)) delete byPhase[k];
      for (const p of all) byPhase[p.status?.phase ?? 'Unknown'] = (byPhase[p.status?.phase ?? 'Unknown'] ?? 0) + 1;
      expect(byPhase.Running).toBeGreaterThanOrEqual(2); // KWOK started run-1 and run-2
      expect(await page.getByTestId('stat-nodes').textContent()).toBe('3/3');
      expect(await page.getByTestId('stat-clusters').textContent()).toBe('1/2');
      const shown: Record<string, number> = {};
      for (const li of await page.getByTestId('pods-by-phase').locator('li').all()) shown[(await li.getAttribute('data-phase'))!] = Number(await li.locator('[data-count]').textContent());
      expect(shown).toEqual(byPhase);
      expect(await page.getByTestId('pods-listed').textContent()).toBe('from 1 of 2 clusters');
      expect(await page.getByTestId('workloads-by-phase').textContent()).toMatch(/Pending\s*1.*Running\s*1.*Succeeded\s*1/);
    }, { timeoutMs: 30_000, description: `overview counts (pods in the cluster: ${pods.items.length})` });
    // An Event about a Workload (as the scheduler records them) shows among the recent events, live.
    await rest.create(EVENTS, {
      metadata: { name: `infer.${Date.now().toString(16)}`, namespace: ns },
      eventTime: microTime(new Date()),
      reportingController: 'weft.dev/scheduler',
      reportingInstance: 'weft-scheduler',
      action: 'Schedule',
      reason: 'FailedScheduling',
      note: '0/3 nodes fit: 3 lack gpu:a100',
      type: 'Warning',
      regarding: { apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', namespace: ns, name: 'infer' },
    } as KubernetesObject);
    await expectText(page.getByTestId('events'), new RegExp(`Workload/${ns}/infer\\s*FailedScheduling\\s*0/3 nodes fit`));
    await expectText(page.getByTestId('cap-cpu'), /0 cores \/ 24 cores/);
    await expectText(page.getByTestId('cap-gpu'), /0 \/ 2/);
    expect(page.url()).toContain(`?org=${org}`);
    await shot(page, '02-overview');
    await page.close();
  }, 90_000);

  it('a viewer sees no cordon button, and a direct API call with their token returns 403', async () => {
    const page = await signedIn(`/nodes?org=${org}`, users.viewer.token);
    await page.locator(`tr[data-node="${nodes.a}"]`).waitFor();
    expect(await page.locator('[data-action=cordon], [data-action=uncordon]').count()).toBe(0);
    await page.goto(`${op.url}/nodes/${nodes.a}`);
    await page.locator('h1#h-node').waitFor();
    expect(await page.locator('[data-action=cordon]').count()).toBe(0);
    const direct = await page.evaluate(async (name) => {
      const r = await fetch(`/api/v1/nodes/${name}/cordon`, { method: 'POST', headers: { authorization: `Bearer ${sessionStorage.getItem('weft.token')}` } });
      return { status: r.status, body: (await r.json()) as { message: string } };
    }, nodes.a);
    expect(direct.status).toBe(403);
    expect(direct.body.message).toContain(`lacks the RBAC permission patch meshnodes.weft.dev "${nodes.a}"`);
    expect((await kubectl(kubeconfig, ['get', 'mn', nodes.a, '-o', 'jsonpath={.spec.unschedulable}'])).stdout).not.toBe('true');
    await page.close();
  }, 60_000);

  it('a node going NotReady shows in the table within 2 s, without a reload', async () => {
    const page = await signedIn(`/nodes?org=${org}&sort=name`, users.viewer.token);
    await page.locator(`tr[data-node="${nodes.stale}"][data-ready="True"]`).waitFor({ timeout: 30_000 });
    await shot(page, '03-nodes');
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true)); // gone after a reload
    // When: its agent stops heartbeating; the MeshNode controller marks it NotReady after the grace period.
    live.delete(nodes.stale);
    const shown = page.locator(`tr[data-node="${nodes.stale}"][data-ready="False"]`).waitFor({ timeout: 60_000 }).then(() => Date.now());
    const changed = await eventually(async () => {
      const n = await rest.get<Obj & { status?: { conditions?: Array<{ type: string; status: string }> } }>(MESHNODES, nodes.stale);
      expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
      return Date.now();
    }, { timeoutMs: 60_000, intervalMs: 50, description: 'the apiserver shows the node NotReady' });
    const lag = (await shown) - changed;
    process.stderr.write(`[dashboard] NotReady reached the table ${lag} ms after the apiserver had it\n`);
    expect(lag).toBeLessThan(2000);
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await expectText(page.getByTestId('nodes-count'), /^3( of \d+)?$/);
    await shot(page, '04-nodes-notready');
    await page.close();
  }, 120_000);

  it('an admin cordons a node from its page, and `kubectl get mn` shows it', async () => {
    const page = await signedIn(`/nodes/${nodes.a}`, users.admin.token);
    await page.locator('[data-action=cordon]').click();
    await expectText(page.getByTestId('toast'), /cordoned/);
    await eventually(async () => expect((await kubectl(kubeconfig, ['get', 'mn', nodes.a, '-o', 'jsonpath={.spec.unschedulable}'])).stdout).toBe('true'));
    const table = await kubectl(kubeconfig, ['get', 'mn', nodes.a, '-o', 'custom-columns=NAME:.metadata.name,UNSCHEDULABLE:.spec.unschedulable']);
    expect(table.stdout).toMatch(new RegExp(`${nodes.a}\\s+true`));
    await page.locator('[data-action=uncordon]').waitFor(); // the page followed the change live
    await expectText(page.getByTestId('node-status').first(), /Cordoned/);
    expect(await page.getByTestId('workloads-list').textContent()).toContain(`${ns}/train`);
    await shot(page, '05-node-detail');
    await page.close();
  }, 60_000);

  it('clusters and a cluster with its pods; an unreachable one explains itself', async () => {
    const page = await signedIn(`/clusters?org=${org}`, users.viewer.token);
    await page.locator(`tr[data-cluster="${ns}/here"][data-reachable="True"]`).waitFor();
    await page.locator(`tr[data-cluster="${ns}/away"][data-reachable="False"]`).waitFor();
    await shot(page, '06-clusters');
    await page.locator(`tr[data-cluster="${ns}/here"] a`).click();
    await page.locator(`tr[data-pod="${ns}/run-1"]`).waitFor();
    expect(await page.locator(`tr[data-pod="${ns}/run-1"]`).textContent()).toContain(`${ns}/train`);
    expect(await page.locator(`tr[data-pod="${ns}/waiting"]`).textContent()).toContain('Pending');
    await shot(page, '07-cluster-detail');
    await page.goto(`${op.url}/clusters/${ns}/away`);
    await expectText(page.locator('.problem').first(), /pods cannot be listed/);
    await page.close();
  }, 60_000);

  it("workloads: placement, and for a Pending one the scheduler's reasons", async () => {
    const page = await signedIn(`/workloads?org=${org}`, users.viewer.token);
    const pending = page.locator(`tr[data-workload="${ns}/infer"]`);
    await expectText(pending, /needs gpu:a100, has gpu:t4/);
    expect(await page.locator(`tr[data-workload="${ns}/train"]`).textContent()).toMatch(new RegExp(`${ns}/here.*${nodes.a}.*87`));
    await shot(page, '08-workloads');
    await pending.locator('a').first().click();
    await expectText(page.getByTestId('rejected'), /needs gpu:a100, has none/);
    await shot(page, '09-workload-pending');
    await page.close();
  }, 60_000);

  it("a deleted object's detail page says so (live), and so does a name that never existed", async () => {
    const page = await signedIn(`/workloads/${ns}/doomed`, users.viewer.token);
    await page.locator('h1#h-workload').waitFor();
    expect((await kubectl(kubeconfig, ['delete', 'wl', 'doomed', '-n', ns])).exitCode).toBe(0);
    await expectText(page.getByTestId('gone'), /does not exist/);
    await shot(page, '10-workload-deleted');
    await page.goto(`${op.url}/nodes/never-was-${org}`);
    await expectText(page.getByTestId('gone'), /MeshNode “never-was-.*” does not exist/);
    await page.close();
  }, 60_000);

  it('malformed filters and paths in the URL do not break the page', async () => {
    const page = await signedIn('/nodes?org=%E0%A4%A&tag=%3Cscript%3Ealert(1)%3C%2Fscript%3E&sort=%3B%3Bdrop&phase=zzz', users.viewer.token);
    await expectText(page.getByTestId('notices'), /ignored org .*ignored tag .*ignored sort/s);
    await page.getByTestId('nodes-table').waitFor();
    await shot(page, '11-malformed-filters');
    await page.goto(`${op.url}/workloads?phase=Nope&sort=-bogus&org=${org}`);
    await expectText(page.getByTestId('notices'), /ignored phase "Nope".*ignored sort "-bogus"/s);
    await page.getByTestId('workloads-table').waitFor();
    await page.goto(`${op.url}/clusters/%3Cscript%3E/x`);
    await expectText(page.locator('.empty'), /There is no such page/);
    await page.goto(`${op.url}/nodes/a/b/c`);
    await expectText(page.locator('.empty'), /There is no such page/);
    await page.close();
  }, 60_000);

  it('works on a narrow screen (390 px): nothing overflows sideways', async () => {
    const page = await signedIn(`/?org=${org}`, users.viewer.token);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('stat-nodes').waitFor();
    await shot(page, '12-narrow-overview');
    await page.goto(`${op.url}/nodes?org=${org}`);
    await page.getByTestId('nodes-table').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, '13-narrow-nodes');
    await page.close();
  }, 60_000);

  it('agent tasks: a task moves Pending → Running → Reviewing → Succeeded live, Blocked shows why; without RBAC on agenttasks the page says 403', async () => {
    const reader = await userWithRbac(admin, ns, 'tasks', { cluster: [...VIEWER_RULES, { apiGroups: ['weft.dev'], resources: ['agenttasks'], verbs: ['get', 'list', 'watch'] }] });
    try {
      const task = (name: string, labels: Record<string, string> = {}) =>
        ({ apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata: { name, namespace: ns, labels }, spec: { org, repo: { url: 'http://127.0.0.1:3000/acme/app.git' }, source: { inline: { title: 'Fix the login' } }, agent: { driver: 'scripted', steps: [{ run: 'true' }] } } }) as Obj;
      await rest.create(AGENTTASKS, task('fix-login', { 'weft.dev/speckit-feature': '001-login', 'weft.dev/speckit-task': 'T004' }));
      await rest.create(AGENTTASKS, task('wire-redirect'));
      await rest.patch(AGENTTASKS, { name: 'wire-redirect', namespace: ns }, { status: { phase: 'Pending', message: 'waits for fix-login', conditions: [cond('Blocked', 'True', 'WaitingForDependency', 'waits for fix-login (Running) to succeed (change merged)')] } }, { subresource: 'status' });
      const page = await signedIn(`/agenttasks?org=${org}`, reader.token);
      const row = page.locator(`[data-task="${ns}/fix-login"]`);
      await eventually(async () => expect(await row.getAttribute('data-phase')).toBe('Pending'), { description: 'fix-login Pending' });
      await expectText(page.locator(`[data-task="${ns}/wire-redirect"]`), /Blocked.*waits for fix-login \(Running\)/);
      await expectText(row, /001-login T004/);
      const status = (st: Record<string, unknown>) => rest.patch(AGENTTASKS, { name: 'fix-login', namespace: ns }, { status: st }, { subresource: 'status' });
      await status({ phase: 'Running', attempt: 1, message: 'attempt 1 of 3: the agent runs' });
      await eventually(async () => expect(await row.getAttribute('data-phase')).toBe('Running'), { description: 'fix-login Running, live' });
      await status({ phase: 'Reviewing', outcome: 'PullRequestOpened', pullRequest: { url: 'http://127.0.0.1:3000/acme/app/pulls/3', number: 3 }, usage: { requests: 4, inputTokens: 1200, outputTokens: 300 } });
      await eventually(async () => expect(await row.getAttribute('data-phase')).toBe('Reviewing'), { description: 'fix-login Reviewing, live' });
      await expectText(row, /acme\/app\/pulls\/3.*1500 \(4 req\.\)/);
      await status({ phase: 'Succeeded', message: 'merged' });
      await eventually(async () => expect(await row.getAttribute('data-outcome')).toBe('PullRequestOpened'), { description: 'outcome' });
      await eventually(async () => expect(await row.getAttribute('data-phase')).toBe('Succeeded'), { description: 'fix-login Succeeded, live' });
      await shot(page, '14-agent-tasks');
      await page.close();
      // The viewer may not list agenttasks: the page explains, the API says 403.
      const denied = await signedIn('/agenttasks', users.viewer.token);
      await eventually(async () => expect(await denied.getByTestId('problem').getAttribute('data-status')).toBe('403'), { description: 'the 403 explanation' });
      expect(await denied.getByTestId('problem').textContent()).toMatch(/agenttasks/);
      await denied.close();
      const api = await fetch(`${op.url}/api/v1/dashboard/agenttasks`, { headers: { authorization: `Bearer ${users.viewer.token}` } });
      expect(api.status).toBe(403);
    } finally {
      await deleteClusterRbac(admin, [reader.name]);
    }
  }, 120_000);

  it('agent task detail (attempts, last run, diagnostics, usage) and the feature view; attach only with the attach verb, else no button and 403', async () => {
    const taskRules = [...VIEWER_RULES, { apiGroups: ['weft.dev'], resources: ['agenttasks'], verbs: ['get', 'list', 'watch'] }];
    const reader = await userWithRbac(admin, ns, 'tasks-ro', { cluster: taskRules });
    const attacher = await userWithRbac(admin, ns, 'tasks-attach', { cluster: [...taskRules, { apiGroups: ['weft.dev'], resources: ['agenttasks'], verbs: ['attach'] }, { apiGroups: ['weft.dev'], resources: ['agenttasks/transcript'], verbs: ['get'] }] });
    try {
      const task = (name: string, id: string, phase: string, line: number) =>
        ({ apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata: { name, namespace: ns, labels: { 'weft.dev/speckit-feature': '002-detail', 'weft.dev/speckit-task': id }, annotations: { 'weft.dev/speckit-phase': phase, 'weft.dev/speckit-line': String(line) } }, spec: { org, repo: { url: 'http://127.0.0.1:3000/acme/app.git' }, source: { inline: { title: id } }, agent: { driver: 'scripted', steps: [{ run: 'true' }], codeServer: true }, budget: { maxTokens: 10000, maxRequests: 10 } } }) as Obj;
      const created = await rest.create(AGENTTASKS, task('detail', 'T001', 'Phase 1: Setup', 5));
      await rest.create(AGENTTASKS, task('detail-next', 'T002', 'Phase 2: Login', 9));
      await rest.patch(AGENTTASKS, { name: 'detail', namespace: ns }, { status: { phase: 'Running', attempt: 2, message: 'attempt 2 of 3', diagnostics: 'attempt 1 failed: npm test exited with 1', lastRun: { test: 'npm test: exit code 1 — 1 failed, 3 passed (jest)', tests: { passed: 3, failed: 1 }, failures: [{ name: 'login works', location: 'src/login.test.ts:12', message: 'expected 200' }] }, usage: { requests: 2, inputTokens: 900, outputTokens: 100, models: [{ model: 'gpt-test', requests: 2, inputTokens: 900, outputTokens: 100 }] }, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', artifacts: [{ name: '1/transcript.jsonl', url: `/api/v1/artifacts/${ns}/agenttask/detail/1/transcript.jsonl`, digest: `sha256:${'ab'.repeat(32)}`, size: 2048 }] } }, { subresource: 'status' });
      const owner = { apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', name: 'detail', uid: created.metadata!.uid!, controller: true };
      for (const [n, phase] of [[1, 'Failed'], [2, 'Running']] as const) {
        await rest.create(WORKLOADS, { metadata: { name: `detail-${n}`, namespace: ns, ownerReferences: [owner] }, spec: { org, resources: { cpu: '1', memory: '1Gi' }, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } as Obj);
        await rest.patch(WORKLOADS, { name: `detail-${n}`, namespace: ns }, { status: { phase, placement: { cluster: `${ns}/here`, node: nodes.a } } }, { subresource: 'status' });
      }
      const page = await signedIn(`/agenttasks/${ns}/detail`, attacher.token);
      await eventually(async () => expect(await page.locator('[data-testid="attempts"] tr[data-attempt]').count()).toBe(2), { description: 'two attempts' });
      expect(await page.locator('tr[data-attempt="1"]').getAttribute('data-phase')).toBe('Failed');
      await expectText(page.getByTestId('last-run'), /1 failed.*src\/login\.test\.ts:12 login works: expected 200/s);
      await expectText(page.getByTestId('diagnostics'), /attempt 1 failed/);
      await expectText(page.getByTestId('usage'), /gpt-test/);
      await expectText(page.locator('dl.facts').first(), /1,000 of 10,000 tokens, 2 of 10 requests/);
      await expectText(page.locator('dl.facts').first(), /4bf92f3577b34da6a3ce929d0e0e4736/);
      expect(await page.locator('[data-testid="artifacts"] tr[data-artifact="1/transcript.jsonl"] [data-action="download"]').count()).toBe(1);
      expect(await page.locator('a[data-action="attach"]').getAttribute('href')).toBe(`/attach/${ns}/detail/`);
      expect(await page.locator('tr[data-attempt] [data-action="transcript"]').count()).toBe(2);
      await shot(page, '15-agent-task');
      await page.getByRole('link', { name: /002-detail T001/ }).click();
      await eventually(async () => expect(await page.locator('section.phase').count()).toBe(2), { description: 'the feature view, two phases' });
      expect(await page.locator('section.phase').first().getAttribute('data-phase-title')).toBe('Phase 1: Setup');
      expect(await page.locator(`section.phase[data-phase-title="Phase 2: Login"] [data-task="${ns}/detail-next"]`).count()).toBe(1);
      await shot(page, '16-feature');
      await page.close();
      // Without the attach verb: no button, and the route itself refuses.
      const ro = await signedIn(`/agenttasks/${ns}/detail`, reader.token);
      await expectText(ro.getByTestId('usage'), /gpt-test/);
      expect(await ro.locator('[data-action="attach"], [data-action="transcript"]').count()).toBe(0);
      await ro.close();
      const refused = await fetch(`${op.url}/attach/${ns}/detail/`, { headers: { authorization: `Bearer ${reader.token}` } });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { message: string }).message).toContain('lacks the RBAC permission attach agenttasks.weft.dev "detail"');
    } finally {
      await deleteClusterRbac(admin, [reader.name, attacher.name]);
    }
  }, 120_000);

  it('no page threw a JavaScript error', () => expect(pageErrors).toEqual([]));
});

/** Waits until the locator's text matches (the UI updates live, so poll). */
async function expectText(locator: ReturnType<Page['locator']>, re: RegExp): Promise<void> {
  await eventually(async () => expect(await locator.textContent({ timeout: 5000 })).toMatch(re), { timeoutMs: 30_000, description: `text matching ${re}` });
}
