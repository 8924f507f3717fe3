// `weft speckit sync` against a real Gitea (tasks.md read at the base branch through its API) and a
// real apiserver (server-side apply), then the dispatch order with the operator: a task waits
// (Blocked) until the tasks it depends on have Succeeded.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import YAML from 'yaml';
import type { AgentTask } from '../../src/api/agenttask/types.js';
import { AGENTTASKS, CONFIGMAPS, SECRETS } from '../../src/api/resources.js';
import { speckitSync, type SyncFlags } from '../../src/cli/speckit.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { GiteaForge } from '../../src/forge/gitea.js';
import { LocalGitea } from '../../src/forge/local/gitea.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { RestClient } from '../../src/runtime/index.js';
import { findCondition } from '../../src/runtime/conditions.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, testLogger } from '../harness/index.js';
import { cloneRepo, type WorkingCopy } from './forge-helpers.js';

type Task = AgentTask & KubernetesObject;

const TASKS = `# Tasks: Login

## Phase 1: Setup

- [X] T001 Create the project skeleton
- [ ] T002 [P] Add the lint config in .eslintrc.json
- [ ] T003 [P] Add the test runner in jest.config.js

## Phase 2: User Story 1

- [ ] T004 [US1] Write the login form in src/login.ts
- [ ] T005 [US1] Wire the redirect in src/redirect.ts Depends: T004
`;

describe('weft speckit sync (real Gitea, real apiserver) and the dispatch order', () => {
  let admin: KubeConfig;
  let kubeconfig: string;
  let rest: RestClient;
  let ns: string;
  let gitea: LocalGitea;
  let forge: GiteaForge;
  let wc: WorkingCopy;
  let repo: string;
  let op: RunningOperator | undefined;

  beforeAll(async () => {
    const cp = await controlPlane();
    admin = cp.kubeConfig();
    kubeconfig = cp.kubeconfigPath;
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'speckit');
    gitea = await LocalGitea.start();
    repo = await gitea.createRepo('login');
    forge = new GiteaForge({ url: gitea.url, token: gitea.admin.token });
    wc = await cloneRepo(forge, repo);
    await wc.commitAndPush({ branch: 'main', files: { 'specs/001-login/tasks.md': TASKS }, message: 'tasks' });
  }, 180_000);

  afterAll(async () => {
    await op?.stop();
    await wc?.remove();
    await forge?.close();
    await gitea?.stop();
    if (ns) await deleteNamespace(admin, ns);
  });

  const flags = (more: Partial<SyncFlags> = {}): SyncFlags => ({ repo: `${gitea.url}/${repo}.git`, feature: 'specs/001-login', namespace: ns, org: 'acme', base: 'main', credentialsSecret: 'forge', kubeconfig, concurrency: '8', ...more });
  async function sync(more: Partial<SyncFlags> = {}): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await speckitSync(flags(more), { out: (t) => void (out += t), err: (t) => void (err += t) }, { WEFT_FORGE_TOKEN: gitea.admin.token });
    return { code, out, err };
  }
  const versions = async () => new Map((await rest.list<Task>(AGENTTASKS, { namespace: ns })).items.map((t) => [t.metadata!.name!, t.metadata!.resourceVersion!]));

  it('N open tasks → N AgentTasks; a re-sync writes nothing; an edit updates one; a removed task is reported, not deleted', async () => {
    const first = await sync();
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toContain('001-login: 4 open task(s), 1 done; 4 created, 0 updated, 0 unchanged');
    const tasks = (await rest.list<Task>(AGENTTASKS, { namespace: ns })).items;
    expect(tasks.map((t) => t.metadata!.name).sort()).toEqual(['001-login-t002', '001-login-t003', '001-login-t004', '001-login-t005']);
    const t4 = tasks.find((t) => t.metadata!.name === '001-login-t004')!;
    expect(t4.spec).toMatchObject({ org: 'acme', source: { specKit: { path: 'specs/001-login/tasks.md', taskId: 'T004' } }, dependsOn: ['001-login-t002', '001-login-t003'], repo: { credentialsSecretRef: { name: 'forge' } } });

    const before = await versions();
    const again = await sync();
    expect(again.out).toContain('0 created, 0 updated, 4 unchanged');
    expect(await versions()).toEqual(before);

    // T004's text changes, T005 goes away, T002 is checked off.
    const edited = TASKS.replace('Write the login form in src/login.ts', 'Write the login form and its validation in src/login.ts').replace(/- \[ \] T005.*\n/, '').replace('- [ ] T002', '- [X] T002');
    await wc.commitAndPush({ branch: 'main', files: { 'specs/001-login/tasks.md': edited }, message: 'edit tasks' });
    const third = await sync();
    expect(third.out).toContain('agenttask/001-login-t004 updated');
    expect(third.out).toContain(`agenttask/001-login-t005: task T005 is no longer in tasks.md; left in place (delete it with: kubectl -n ${ns} delete agenttask 001-login-t005)`);
    expect(third.out).toContain('001-login: 2 open task(s), 2 done; 0 created, 1 updated, 1 unchanged');
    const after = await versions();
    expect(after.get('001-login-t003')).toBe(before.get('001-login-t003'));
    expect(after.get('001-login-t004')).not.toBe(before.get('001-login-t004'));
    expect(after.has('001-login-t005')).toBe(true);
    const t4b = await rest.get<Task>(AGENTTASKS, '001-login-t004', ns);
    expect(t4b.metadata?.annotations?.['weft.dev/title']).toBe('T004: Write the login form and its validation in src/login.ts');
    expect(t4b.spec.dependsOn).toEqual(['001-login-t003']); // T002 is done now
    // Put tasks.md back for the tests below.
    await wc.commitAndPush({ branch: 'main', files: { 'specs/001-login/tasks.md': TASKS }, message: 'restore tasks' });
  }, 120_000);

  it('-o yaml prints the manifests (GitOps) and applies nothing; a cycle is refused naming the lines', async () => {
    const printed = await sync({ output: 'yaml', namespace: `${ns}-gitops` });
    expect(printed.code).toBe(0);
    const docs = YAML.parseAllDocuments(printed.out).map((d) => d.toJSON() as Task);
    expect(docs.map((d) => d.metadata!.name)).toEqual(['001-login-t002', '001-login-t003', '001-login-t004', '001-login-t005']);
    expect(docs[0]!.metadata!.namespace).toBe(`${ns}-gitops`);

    await wc.commitAndPush({ branch: 'main', files: { 'specs/002-broken/tasks.md': '## Phase 1: A\n\n- [ ] T001 a Depends: T002\n- [ ] T002 b Depends: T001\n' }, message: 'cycle' });
    const broken = await sync({ feature: 'specs/002-broken' });
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/nothing was applied:\n {2}.*specs\/002-broken\/tasks\.md:\d: .*cycle/i);
    const missing = await sync({ feature: 'specs/009-none' });
    expect(missing.code).not.toBe(0);
  }, 60_000);

  it('dispatch: [P] tasks start together; the next phase waits (Blocked, naming them) until they Succeeded', async () => {
    op = await runOperator(parseOperatorConfig({ kubeconfig, httpAddr: '127.0.0.1:0', namespace: ns, leaderElect: false, featureGates: 'AgentTasks=true' }, {}), testLogger(`operator ${ns}`));
    const get = (n: string) => rest.get<Task>(AGENTTASKS, n, ns);
    await eventually(async () => {
      const [t2, t3, t4] = await Promise.all(['001-login-t002', '001-login-t003', '001-login-t004'].map(get));
      expect(t2!.status?.attempt).toBe(1);
      expect(t3!.status?.attempt).toBe(1);
      expect(t4!.status?.attempt ?? 0).toBe(0);
      expect(findCondition(t4!.status?.conditions, 'Blocked')).toMatchObject({ status: 'True', reason: 'WaitingForDependency' });
      expect(t4!.status?.message).toMatch(/^waits for 001-login-t003 \(\w+\) to succeed/);
    }, { description: 'T002 and T003 released, T004 blocked' });
    // The dependency's change is merged (the controller would write this when its PR merges).
    await rest.patch(AGENTTASKS, { name: '001-login-t003', namespace: ns }, { status: { phase: 'Succeeded', outcome: 'PullRequestOpened', message: 'merged' } }, { subresource: 'status' });
    await eventually(async () => {
      const t4 = await get('001-login-t004');
      expect(t4.status?.attempt).toBe(1);
      expect(findCondition(t4.status?.conditions, 'Blocked')).toMatchObject({ status: 'False', reason: 'DependenciesMerged' });
    }, { description: 'T004 released after T003 succeeded' });
    const t5 = await get('001-login-t005');
    expect(findCondition(t5.status?.conditions, 'Blocked')?.message).toContain('001-login-t004');
  }, 120_000);

  it('the operator syncs a ConfigMap annotated weft.dev/speckit-sync; maxParallel 1 lets one [P] task run, the others wait (ConcurrencyLimit)', async () => {
    expect(op).toBeDefined();
    const ns2 = await createNamespace(admin, 'speckit-cm');
    try {
      await wc.commitAndPush({ branch: 'main', files: { 'specs/003-par/tasks.md': '## Phase 1: All at once\n\n- [ ] T001 [P] a in a.ts\n- [ ] T002 [P] b in b.ts\n- [ ] T003 [P] c in c.ts\n' }, message: 'parallel feature' });
      await rest.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'forge', namespace: ns2 }, stringData: { token: gitea.admin.token } });
      await rest.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'par', namespace: ns2, annotations: { 'weft.dev/speckit-sync': `${gitea.url}/${repo}.git#specs/003-par` } }, data: { org: 'acme', credentialsSecret: 'forge', maxParallel: '1', intervalSeconds: '10' } });
      const tasks = async () => (await rest.list<Task>(AGENTTASKS, { namespace: ns2 })).items;
      let running = '';
      await eventually(async () => {
        const ts = await tasks();
        expect(ts).toHaveLength(3);
        const started = ts.filter((t) => (t.status?.attempt ?? 0) > 0);
        expect(started).toHaveLength(1);
        running = started[0]!.metadata!.name!;
        for (const t of ts.filter((x) => x !== started[0])) {
          expect(findCondition(t.status?.conditions, 'Blocked')).toMatchObject({ status: 'True', reason: 'ConcurrencyLimit', message: expect.stringContaining(`runs 1 of 1 tasks (${running})`) });
        }
        expect(ts[0]!.spec.concurrency).toEqual({ group: expect.stringMatching(/#003-par$/), limit: 1 });
      }, { description: 'three AgentTasks, one started, two Blocked ConcurrencyLimit' });
      const cm = await rest.get<KubernetesObject>(CONFIGMAPS, 'par', ns2);
      expect(cm.metadata?.annotations?.['weft.dev/speckit-sync-status']).toBe('3 open task(s), 0 done; every AgentTask up to date');
      // The running task ends: one of the two waiting ones takes its slot, the last still waits.
      await rest.patch(AGENTTASKS, { name: running, namespace: ns2 }, { status: { phase: 'Succeeded', outcome: 'PullRequestOpened', message: 'merged' } }, { subresource: 'status' });
      await eventually(async () => {
        const ts = await tasks();
        const started = ts.filter((t) => (t.status?.attempt ?? 0) > 0);
        expect(started).toHaveLength(2);
        const next = started.find((t) => t.metadata!.name !== running)!;
        expect(findCondition(next.status?.conditions, 'Blocked')).toMatchObject({ status: 'False', reason: 'SlotFree' });
      }, { description: 'the next task released when the slot freed' });
      // A bad setting is said on the ConfigMap, naming the key.
      await rest.patch(CONFIGMAPS, { name: 'par', namespace: ns2 }, { data: { maxParallel: 'many' } });
      await eventually(async () => {
        const bad = await rest.get<KubernetesObject>(CONFIGMAPS, 'par', ns2);
        expect(bad.metadata?.annotations?.['weft.dev/speckit-sync-status']).toBe('error: data.maxParallel "many" is not a positive integer');
      }, { description: 'the ConfigMap says what is wrong' });
    } finally {
      await deleteNamespace(admin, ns2);
    }
  }, 120_000);

  it('a feature of the same name from another repository is refused in the same namespace, naming the tasks', async () => {
    const other = await gitea.createRepo('login-fork');
    const wc2 = await cloneRepo(forge, other);
    try {
      await wc2.commitAndPush({ branch: 'main', files: { 'specs/001-login/tasks.md': TASKS }, message: 'tasks' });
      const r = await sync({ repo: `${gitea.url}/${other}.git` });
      expect(r.code).toBe(1);
      expect(r.err).toContain(`belong to the same feature of ${gitea.url}/${repo}.git; nothing was applied`);
      expect((await rest.get<Task>(AGENTTASKS, '001-login-t002', ns)).spec.repo.url).toBe(`${gitea.url}/${repo}.git`);
    } finally {
      await wc2.remove();
    }
  }, 60_000);
});
