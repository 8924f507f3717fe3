// AgentTasks end to end on a real node (kubelet + containerd + runc), a real Gitea and the fake
// LLM: the operator (AgentTasks gate on) creates the task's identity and an owned Workload, the
// agent pod runs `weft task-run` from the agent image in a namespace that enforces Pod Security
// `restricted`, clones and pushes through the operator's git gateway, reaches the LLM through the
// LLM gateway with its projected token, and the operator opens the pull request.
// The control plane is this file's own (one real node); it is both the hub and the OrgCluster.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { LocalControlPlane } from '../../src/cluster/local.js';
import { applyCrds, readCrds } from '../../src/cluster/crds.js';
import { freePort } from '../../src/cluster/ports.js';
import { LocalGitea } from '../../src/forge/local/gitea.js';
import { NodeAgent } from '../../src/nodeagent/agent.js';
import { provisionAgent } from '../../src/nodeagent/provision.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { AGENTTASKS, NAMESPACES, ORGCLUSTERS, PODS, ROLE_BINDINGS, ROLES, SECRETS, SERVICE_ACCOUNTS, WORKLOADS } from '../../src/api/resources.js';
import { RestClient } from '../../src/runtime/index.js';
import { setFaultHook } from '../../src/runtime/faults.js';
import { GiteaForge } from '../../src/forge/gitea.js';
import { cloneRepo, workingCopy, type WorkingCopy } from './forge-helpers.js';
import { LocalRadicle } from '../../src/forge/local/radicle.js';
import { revisionsOf } from '../../src/forge/radicle-json.js';
import type { AgentTask } from '../../src/api/agenttask/types.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/index.js';
import { diagnosticsTarget, eventually, kubectl, testLogger, watchLog, LogRing } from '../harness/index.js';
import { EVENTS } from '../../src/server/dashboard/routes.js';
import { FilesystemArtifactStore } from '../../src/artifacts/filesystem.js';
import { historyFor } from '../../src/artifacts/index.js';

const NODE = 'agent-node';
const NS = 'agents';
const ORG = 'acme';
const TEST_MS = 300_000;
const LLM_KEY = `sk-live-${randomBytes(12).toString('hex')}`;

let cp: LocalControlPlane | undefined;
let rest: RestClient;
let gitea: LocalGitea | undefined;
let llm: FakeLlm | undefined;
let op: RunningOperator | undefined;
let agent: NodeAgent | undefined;
let repo: string;
let transcripts: string;
let artifactsDir: string;
let opCfg: Parameters<typeof runOperator>[0];
/** The operator's Radicle identity (no node: the CLI writes to its storage) and a repository of it. */
let rad: LocalRadicle | undefined;
let rid: string;
let radWc: WorkingCopy;

type Task = AgentTask & KubernetesObject;
const getTask = (name: string) => rest.get<Task>(AGENTTASKS, name, NS);

function newTask(name: string, spec: Partial<AgentTask['spec']>): Task {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AgentTask',
    metadata: { name, namespace: NS },
    spec: {
      org: ORG,
      repo: { url: `${gitea!.url}/${repo}.git`, baseBranch: 'main', credentialsSecretRef: { name: 'forge' } },
      source: { inline: { title: `Task ${name}`, description: 'Write the file the test expects.' } },
      agent: { driver: 'scripted', steps: [{ write: { path: `${name}.txt`, content: `${name}\n` } }], endpointSecretRef: { name: 'llm' } },
      retryPolicy: { maxAttempts: 1, backoffSeconds: 0 },
      resources: { cpu: '100m', memory: '128Mi' },
      ...spec,
    },
  } as Task;
}

async function until(name: string, check: (t: Task) => void, timeoutMs = TEST_MS - 30_000): Promise<Task> {
  return eventually(
    async () => {
      const t = await getTask(name);
      check(t);
      return t;
    },
    { timeoutMs, description: `AgentTask ${name}` },
  );
}

const podOfTask = async (name: string): Promise<V1Pod> => {
  const t = await getTask(name);
  const pod = t.status?.placement?.pod;
  if (!pod) throw new Error(`AgentTask ${name} has no pod yet: ${JSON.stringify(t.status)}`);
  return rest.get<V1Pod & KubernetesObject>(PODS, pod, NS);
};

beforeAll(async () => {
  cp = await LocalControlPlane.start({ nodes: [{ name: NODE, real: true, images: ['agent'] }] });
  const kc = cp.kubeConfig();
  await applyCrds(kc, await readCrds(new URL('../../crds', import.meta.url).pathname));
  rest = new RestClient(kc);
  watchLog(diagnosticsTarget('agent cluster', () => cp?.kubeconfigPath), 'gitea', new LogRing());
  [gitea, llm, rad] = await Promise.all([LocalGitea.start(), startFakeLlm({ apiKey: LLM_KEY }), LocalRadicle.start()]);
  repo = await gitea.createRepo('app');
  const made = await rad.createRepo('app');
  rid = made.rid;
  radWc = workingCopy(made.workdir, rad.env(), made.workdir, rid);
  await rest.create(NAMESPACES, { metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } } as KubernetesObject);
  await rest.create(SECRETS, { metadata: { name: 'forge', namespace: NS }, stringData: { token: gitea.admin.token } } as KubernetesObject);
  await rest.create(SECRETS, { metadata: { name: 'llm', namespace: NS }, stringData: { url: llm.url, apiKey: LLM_KEY } } as KubernetesObject);
  await rest.create(SECRETS, { metadata: { name: 'self', namespace: NS }, stringData: { kubeconfig: kc.exportConfig() } } as KubernetesObject);
  const agentKc = new KubeConfig();
  agentKc.loadFromString(await provisionAgent(kc, { name: NODE, org: ORG, tags: [] }));
  agent = new NodeAgent({ name: NODE, kc: agentKc, log: testLogger('node agent'), detect: async () => ({ cpu: '4', memory: '4Gi' }), heartbeatIntervalMs: 2000 });
  await agent.start();
  await rest.create(ORGCLUSTERS, { apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata: { name: 'self', namespace: NS }, spec: { org: ORG, provider: 'kubeconfig', kubeconfigSecretRef: { name: 'self' }, hosts: [NODE] } } as KubernetesObject);
  // Pods reach the operator on the node's bridge gateway (an interface this test's cluster made).
  const gw = cp.realCluster!.network.gateway;
  const port = await freePort(gw);
  transcripts = await mkdtemp(join(tmpdir(), 'weft-transcripts-'));
  // The artifact store (a filesystem one) where ended tasks leave transcripts, reports and run records.
  artifactsDir = join(transcripts, 'store');
  await rest.create(SECRETS, { metadata: { name: 'artifacts', namespace: NS }, stringData: { type: 'filesystem', path: artifactsDir } } as KubernetesObject);
  const cfg = parseOperatorConfig(
    { kubeconfig: cp.kubeconfigPath, httpAddr: `${gw}:${port}`, namespace: 'weft-system', leaderElect: false, featureGates: 'AgentTasks=true', agentGatewayUrl: `http://${gw}:${port}`, agentTranscriptDir: transcripts, artifactStore: `${NS}/artifacts` },
    // weft.dev/crash-at is honoured (the pod-kill test below); other tasks do not carry it.
    { WEFT_AGENT_TEST_HOOKS: '1' },
  );
  opCfg = { ...cfg, agents: { ...cfg.agents, image: 'localhost/weft-agent:dev', radicle: rad.forgeOptions() } };
  op = await runOperator(opCfg, testLogger('operator'));
}, 20 * 60_000);

afterAll(async () => {
  agent?.stop();
  await op?.stop();
  await Promise.all([gitea?.stop(), llm?.close(), cp?.stop(), rad?.stop()]);
  if (transcripts) await rm(transcripts, { recursive: true, force: true });
}, 180_000);

describe('AgentTask on a real node', () => {
  it('scripted: the pod pushes weft/<task> through the gateway, the operator opens one pull request; merged → Succeeded', async () => {
    await rest.create(AGENTTASKS, newTask('scripted', { toolchain: { test: ['test -f scripted.txt'] } }));
    const reviewing = await until('scripted', (t) => expect(t.status?.phase).toBe('Reviewing'));
    expect(reviewing.status).toMatchObject({ outcome: 'PullRequestOpened', branch: 'weft/scripted', attempt: 1, lastRun: { test: 'passed (1 command)' } });
    const number = reviewing.status!.pullRequest!.number!;
    const pr = await gitea!.api<{ head: { ref: string; sha: string }; state: string }>('GET', `/repos/${repo}/pulls/${number}`, gitea!.admin.token);
    expect(pr.head).toMatchObject({ ref: 'weft/scripted', sha: reviewing.status!.pullRequest!.headSha });
    // The pod's log shows the runner's steps.
    const logs = await kubectl(cp!.kubeconfigPath, ['logs', '-n', NS, reviewing.status!.placement!.pod!]);
    expect(logs.stdout).toMatch(/step 1\/1: write scripted.txt[\s\S]*push weft\/scripted/);
    // Merging the pull request ends the task.
    await gitea!.api('POST', `/repos/${repo}/pulls/${number}/merge`, gitea!.admin.token, { Do: 'merge' });
    op!.mgr.enqueue('agenttask', `${NS}/scripted`);
    await until('scripted', (t) => expect(t.status).toMatchObject({ phase: 'Succeeded', outcome: 'PullRequestOpened' }), 90_000);
  }, TEST_MS);

  it('review and CI loops: a reviewer comment → a new commit on the same PR and one reply; a red check → a fix commit; retries post nothing twice', async () => {
    await rest.create(AGENTTASKS, newTask('loop', { agent: { driver: 'scripted', steps: [{ run: 'date +%s%N >> loop.txt' }] } }));
    const key = `${NS}/loop`;
    const first = await until('loop', (t) => expect(t.status?.phase).toBe('Reviewing'));
    const number = first.status!.pullRequest!.number!;
    const head1 = first.status!.pullRequest!.headSha!;
    type Comment = { id: number; body: string; user: { login: string } };
    const comments = async (marker: string) => (await gitea!.api<Comment[]>('GET', `/repos/${repo}/issues/${number}/comments`, gitea!.admin.token)).filter((c) => c.body.includes(marker));
    const statusOf = async (sha: string) => (await gitea!.api<{ statuses: Array<{ context: string; status: string }> | null }>('GET', `/repos/${repo}/commits/${sha}/status`, gitea!.admin.token)).statuses ?? [];
    // When the change opened: one summary comment and a weft/agent status on its head.
    await eventually(async () => expect(await comments(':summary:1 -->')).toHaveLength(1), { description: 'the summary comment' });
    expect(await statusOf(head1)).toContainEqual(expect.objectContaining({ context: 'weft/agent', status: 'success' }));

    // A reviewer with write access comments: an iteration pushes a new commit and replies once.
    await gitea!.api('POST', `/repos/${repo}/issues/${number}/comments`, gitea!.reviewer.token, { body: 'Please append the time once more.' });
    op!.mgr.enqueue('agenttask', key);
    const second = await until('loop', (t) => {
      expect(t.status?.review).toMatchObject({ iterations: 1 });
      expect(t.status?.review?.current).toBeUndefined();
      expect(t.status?.phase).toBe('Reviewing');
    });
    const head2 = second.status!.pullRequest!.headSha!;
    expect(head2).not.toBe(head1);
    expect(second.status?.attempt).toBe(2);
    const pr = await gitea!.api<{ head: { sha: string } }>('GET', `/repos/${repo}/pulls/${number}`, gitea!.admin.token);
    expect(pr.head.sha).toBe(head2);
    expect(await comments(':reply:2 -->')).toHaveLength(1);

    // A failing check on the new head: a CI iteration pushes a fix and says so once.
    await gitea!.api('POST', `/repos/${repo}/statuses/${head2}`, gitea!.admin.token, { state: 'failure', context: 'ci/test', description: '1 failed, 3 passed' });
    op!.mgr.enqueue('agenttask', key);
    const third = await until('loop', (t) => {
      expect(t.status?.review).toMatchObject({ checkIterations: 1, checkedSha: head2 });
      expect(t.status?.review?.current).toBeUndefined();
    });
    expect(third.status!.pullRequest!.headSha).not.toBe(head2);
    expect(await comments(':fix:3 -->')).toHaveLength(1);

    // Reconciling again posts nothing twice and opens no second pull request.
    op!.mgr.enqueue('agenttask', key);
    op!.mgr.enqueue('agenttask', key);
    await until('loop', (t) => expect(t.status?.observedGeneration).toBe(1));
    expect(await comments('<!-- weft:')).toHaveLength(3);
    const pulls = await gitea!.api<Array<{ head: { ref: string } }>>('GET', `/repos/${repo}/pulls?state=all&limit=50`, gitea!.admin.token);
    expect(pulls.filter((p) => p.head.ref === 'weft/loop')).toHaveLength(1);
    const events = await rest.list<KubernetesObject & { reason?: string }>(EVENTS, { namespace: NS });
    expect(events.items.filter((e) => e.reason === 'IterationPushed').length).toBeGreaterThanOrEqual(2);
  }, TEST_MS);

  it('Radicle: the same task against a rad: repository opens a patch (summary comment); a review comment revises the patch and gets one reply; merged → Succeeded', async () => {
    await rest.create(AGENTTASKS, newTask('rad', { repo: { url: rid, baseBranch: 'main' }, agent: { driver: 'scripted', steps: [{ run: 'date +%s%N >> rad.txt' }] } }));
    const key = `${NS}/rad`;
    const first = await until('rad', (t) => expect(t.status?.phase).toBe('Reviewing'));
    expect(first.status).toMatchObject({ outcome: 'PullRequestOpened', branch: 'weft/rad', pullRequest: { state: 'open', url: expect.stringContaining(rid.replace(/^rad:/, '')) } });
    const id = first.status!.pullRequest!.id!;
    expect(id).toMatch(/^[0-9a-f]{40}$/);
    expect(first.status!.pullRequest!.number).toBeUndefined();
    const head1 = first.status!.pullRequest!.headSha!;
    const revisions = async () => revisionsOf(await rad!.cobShow(rid, id));
    expect((await revisions()).map((r) => r.oid)).toEqual([head1]);
    // Comments with Weft's marker (the summary, replies), from every revision's discussion.
    const weftComments = async (marker: string) => (await revisions()).flatMap((r) => Object.values(r.discussion.comments)).filter((c) => c?.body.includes(marker));
    await eventually(async () => expect(await weftComments(':summary:1 -->')).toHaveLength(1), { description: 'the summary comment on the patch' });

    // A delegate of the repository comments: an iteration pushes a new commit, the patch gets a second revision, one reply.
    await rad!.rad(['patch', 'comment', id, '--repo', rid, '--no-announce', '-m', 'Please append the time once more.']);
    op!.mgr.enqueue('agenttask', key);
    const second = await until('rad', (t) => {
      expect(t.status?.review).toMatchObject({ iterations: 1, lastCommentId: expect.stringMatching(/^@\d+$/) });
      expect(t.status?.review?.current).toBeUndefined();
      expect(t.status?.phase).toBe('Reviewing');
    });
    const head2 = second.status!.pullRequest!.headSha!;
    expect(head2).not.toBe(head1);
    expect((await revisions()).map((r) => r.oid)).toEqual([head1, head2]);
    await eventually(async () => expect(await weftComments(':reply:2 -->')).toHaveLength(1), { description: 'the reply in the thread' });
    // Polling again starts nothing new (the comment is handled; Weft's own are not feedback).
    op!.mgr.enqueue('agenttask', key);
    await until('rad', (t) => expect(t.status?.observedGeneration).toBe(1));
    expect((await getTask('rad')).status?.review?.iterations).toBe(1);

    // Merging: the delegate pushes the patch head to main; the task ends Succeeded.
    await radWc.git(['fetch', '-q', join(rad!.radHome, 'storage', rid.replace(/^rad:/, '')), head2]);
    await radWc.git(['push', '-q', '-o', 'no-sync', 'rad', `${head2}:refs/heads/main`]);
    op!.mgr.enqueue('agenttask', key);
    await until('rad', (t) => expect(t.status).toMatchObject({ phase: 'Succeeded', outcome: 'PullRequestOpened' }), 90_000);
  }, TEST_MS);

  it('a toy Node project: the agent fixes the bug and the lint and tests pass → one PR; a task that never fixes it → diagnostics per attempt, MaxAttemptsReached', async () => {
    // The toy repository: a lint (node --check) and a failing test (node --test).
    const toy = await gitea!.createRepo('toy');
    const forge = new GiteaForge({ url: gitea!.url, token: gitea!.admin.token });
    const wc = await cloneRepo(forge, toy);
    try {
      await wc.commitAndPush({
        branch: 'main',
        message: 'toy project with a bug',
        files: {
          'package.json': '{ "name": "toy", "type": "module", "private": true }\n',
          'sum.js': 'export const sum = (a, b) => a - b;\n',
          'sum.test.js': "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum.js';\ntest('adds', () => assert.equal(sum(2, 3), 5));\n",
        },
      });
    } finally {
      await wc.remove();
      await forge.close();
    }
    const toolchain = { lint: ['node --check sum.js'], test: ['node --test'] };
    const base = (name: string, steps: NonNullable<NonNullable<AgentTask['spec']['agent']>['steps']>, more: Partial<AgentTask['spec']> = {}) =>
      newTask(name, { repo: { url: `${gitea!.url}/${toy}.git`, baseBranch: 'main', credentialsSecretRef: { name: 'forge' } }, agent: { driver: 'scripted', steps }, toolchain, ...more });
    await rest.create(AGENTTASKS, base('toy-fix', [{ write: { path: 'sum.js', content: 'export const sum = (a, b) => a + b;\n' } }]));
    await rest.create(AGENTTASKS, base('toy-nofix', [{ write: { path: 'notes.txt', content: 'looked at it\n' } }], { retryPolicy: { maxAttempts: 2, backoffSeconds: 0 } }));

    const fixed = await until('toy-fix', (t) => expect(t.status?.phase).toBe('Reviewing'));
    expect(fixed.status?.lastRun).toMatchObject({ lint: 'passed (1 command)', test: 'passed (1 command) — 0 failed, 1 passed (node)', tests: { passed: 1, failed: 0 } });
    const failed = await until('toy-nofix', (t) => expect(t.status?.phase).toBe('Failed'));
    expect(failed.status).toMatchObject({ outcome: 'MaxAttemptsReached', attempt: 2 });
    expect(failed.status?.diagnostics).toContain('node --test');
    expect(failed.status?.lastRun).toMatchObject({ test: expect.stringMatching(/^node --test: exit code 1 — 1 failed, 0 passed \(node\)/), tests: { failed: 1, passed: 0 } });
    expect(failed.status?.lastRun?.failures?.[0]).toMatchObject({ name: expect.stringContaining('adds'), location: expect.stringMatching(/sum\.test\.js:4$/) });
    type Ev = KubernetesObject & { reason?: string; regarding?: { name?: string }; involvedObject?: { name?: string } };
    await eventually(async () => {
      const events = await rest.list<Ev>(EVENTS, { namespace: NS });
      const about = events.items.filter((e) => (e.regarding ?? e.involvedObject)?.name === 'toy-nofix').map((e) => e.reason);
      expect(about).toEqual(expect.arrayContaining(['AttemptFailed', 'MaxAttemptsReached']));
    }, { description: 'the Events of toy-nofix' });
    const pulls = await gitea!.api<Array<{ head: { ref: string } }>>('GET', `/repos/${toy}/pulls?state=all&limit=50`, gitea!.admin.token);
    expect(pulls.map((p) => p.head.ref).sort()).toEqual(['weft/toy-fix']);
    // Ended: its report in the artifact store, and the run in the history (outlives the object).
    const published = await until('toy-nofix', (t) => expect(t.status?.conditions).toContainEqual(expect.objectContaining({ type: 'ArtifactsPublished', status: 'True' })), 60_000);
    expect(published.status?.artifacts?.map((a) => a.name)).toEqual(['2/report.json']);
    const report = JSON.parse(await readFile(join(artifactsDir, NS, 'agenttask', 'toy-nofix', '2', 'report.json'), 'utf8')) as { outcome: string; diagnostics: string };
    expect(report).toMatchObject({ outcome: 'MaxAttemptsReached', diagnostics: expect.stringContaining('node --test') });
    await rest.delete(AGENTTASKS, 'toy-nofix', NS);
    const history = await historyFor(new FilesystemArtifactStore(artifactsDir)).list(NS, { kind: 'agenttask' });
    expect(history.items).toContainEqual(expect.objectContaining({ name: 'toy-nofix', attempt: 2, outcome: 'Failed', template: 'scripted', message: 'MaxAttemptsReached' }));
  }, TEST_MS);

  it('crash safety: the operator fails after each side effect (workload, open, summary, status, reply) and restarts: one pull request, one comment of each, the task converges', async () => {
    const key = `${NS}/crash`;
    const points = ['agenttask:after:createWorkload', 'agenttask:after:openChange', 'agenttask:after:comment', 'agenttask:after:commitStatus', 'agenttask:after:reply'];
    const fired: string[] = [];
    setFaultHook((point, k) => {
      if (k !== key || !points.includes(point) || fired.includes(point)) return;
      fired.push(point);
      throw new Error(`injected crash at ${point}`);
    });
    try {
      await rest.create(AGENTTASKS, newTask('crash', { agent: { driver: 'scripted', steps: [{ run: 'date +%s%N >> crash.txt' }] } }));
      const first = await until('crash', (t) => expect(t.status?.phase).toBe('Reviewing'));
      const number = first.status!.pullRequest!.number!;
      type Comment = { body: string };
      const comments = async (marker: string) => (await gitea!.api<Comment[]>('GET', `/repos/${repo}/issues/${number}/comments`, gitea!.admin.token)).filter((c) => c.body.includes(marker));
      await gitea!.api('POST', `/repos/${repo}/issues/${number}/comments`, gitea!.reviewer.token, { body: 'One more line, please.' });
      op!.mgr.enqueue('agenttask', key);
      await until('crash', (t) => {
        expect(t.status?.review).toMatchObject({ iterations: 1 });
        expect(t.status?.review?.current).toBeUndefined();
      });
      expect(fired.sort()).toEqual([...points].sort());

      // A new operator process (nothing remembered in memory) carries on: one more review round.
      await op!.stop();
      op = await runOperator(opCfg, testLogger('operator (restarted)'));
      await gitea!.api('POST', `/repos/${repo}/issues/${number}/comments`, gitea!.reviewer.token, { body: 'And one after the restart.' });
      op.mgr.enqueue('agenttask', key);
      await until('crash', (t) => {
        expect(t.status?.review).toMatchObject({ iterations: 2 });
        expect(t.status?.review?.current).toBeUndefined();
      });
      expect(await comments(':summary:')).toHaveLength(1);
      expect(await comments(':reply:2 -->')).toHaveLength(1);
      expect(await comments(':reply:3 -->')).toHaveLength(1);
      const pulls = await gitea!.api<Array<{ head: { ref: string } }>>('GET', `/repos/${repo}/pulls?state=all&limit=50`, gitea!.admin.token);
      expect(pulls.filter((p) => p.head.ref === 'weft/crash')).toHaveLength(1);
      const wls = await rest.list<KubernetesObject>(WORKLOADS, { namespace: NS });
      expect(wls.items.map((w) => w.metadata!.name).filter((n) => n!.startsWith('crash-')).sort()).toEqual(['crash-1', 'crash-2', 'crash-3']);
    } finally {
      setFaultHook(undefined);
    }
  }, TEST_MS);

  it('crash safety, pod side: the agent pod dies after clone, after commit, after push (one attempt each); the next attempt continues: one pull request, the pushed commit kept', async () => {
    const t = newTask('podkill', { agent: { driver: 'scripted', steps: [{ run: 'date +%s%N >> podkill.txt' }] }, retryPolicy: { maxAttempts: 4, backoffSeconds: 0 } });
    t.metadata!.annotations = { 'weft.dev/crash-at': '1:after:clone,2:after:commit,3:after:push' };
    await rest.create(AGENTTASKS, t);
    const done = await until('podkill', (x) => expect(x.status?.phase).toBe('Reviewing'));
    expect(done.status).toMatchObject({ attempt: 4, outcome: 'PullRequestOpened' });
    const pulls = await gitea!.api<Array<{ head: { ref: string } }>>('GET', `/repos/${repo}/pulls?state=all&limit=50`, gitea!.admin.token);
    expect(pulls.filter((p) => p.head.ref === 'weft/podkill')).toHaveLength(1);
    // Attempt 3 pushed, then died: its commit is on the branch, under attempt 4's.
    const commits = await gitea!.api<Array<{ commit: { message: string } }>>('GET', `/repos/${repo}/commits?sha=weft/podkill&limit=10`, gitea!.admin.token);
    const attempts = commits.map((c) => /attempt (\d+)/.exec(c.commit.message)?.[1]).filter(Boolean);
    expect(attempts.slice(0, 2)).toEqual(['4', '3']);
    const wls = await rest.list<KubernetesObject & { status?: { phase?: string } }>(WORKLOADS, { namespace: NS });
    const phases = Object.fromEntries(wls.items.filter((w) => w.metadata!.name!.startsWith('podkill-')).map((w) => [w.metadata!.name, w.status?.phase]));
    expect(phases).toEqual({ 'podkill-1': 'Failed', 'podkill-2': 'Failed', 'podkill-3': 'Failed', 'podkill-4': 'Succeeded' });
  }, TEST_MS);

  it('least privilege: owned ServiceAccount/Role/RoleBinding; the Role allows only its own task; the pod is restricted with a projected token', async () => {
    await rest.create(AGENTTASKS, newTask('rbac', { agent: { driver: 'scripted', steps: [{ run: 'sleep 120' }] }, timeoutSeconds: 240 }));
    const t = await until('rbac', (x) => expect(x.status?.phase).toBe('Running'));
    for (const type of [SERVICE_ACCOUNTS, ROLES, ROLE_BINDINGS]) {
      const obj = await rest.get<KubernetesObject>(type, 'weft-task-rbac', NS);
      expect(obj.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'AgentTask', name: 'rbac', uid: t.metadata!.uid, controller: true })]);
    }
    const can = async (verb: string, resource: string, name?: string, sub?: string) => {
      const r = await kubectl(cp!.kubeconfigPath, ['auth', 'can-i', verb, `${resource}${name ? `/${name}` : ''}`, ...(sub ? ['--subresource', sub] : []), '-n', NS, '--as', `system:serviceaccount:${NS}:weft-task-rbac`]);
      return r.stdout.trim();
    };
    expect(await can('get', 'agenttasks.weft.dev', 'rbac')).toBe('yes');
    expect(await can('patch', 'agenttasks.weft.dev', 'rbac', 'status')).toBe('yes');
    expect(await can('patch', 'agenttasks.weft.dev', 'rbac')).toBe('no');
    expect(await can('get', 'agenttasks.weft.dev', 'scripted')).toBe('no');
    expect(await can('list', 'agenttasks.weft.dev')).toBe('no');
    expect(await can('get', 'secrets', 'forge')).toBe('no');
    expect(await can('list', 'secrets')).toBe('no');
    expect(await can('get', 'pods')).toBe('no');
    const pod = await podOfTask('rbac');
    expect(pod.spec).toMatchObject({ serviceAccountName: 'weft-task-rbac', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } });
    expect(pod.spec!.containers[0]!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const token = pod.spec!.volumes!.find((v) => v.projected)!.projected!.sources![0]!.serviceAccountToken!;
    expect(token.audience).toBe('weft');
    expect(token.expirationSeconds).toBeLessThanOrEqual(3600);
    // The namespace enforces restricted: a pod that is not would be refused.
    const refused = await rest.create(PODS, { metadata: { name: 'privileged', namespace: NS }, spec: { containers: [{ name: 'x', image: 'localhost/weft-agent:dev', securityContext: { privileged: true } }] } } as KubernetesObject).catch((e: Error) => e);
    expect(String(refused)).toMatch(/violates PodSecurity "restricted/);
  }, TEST_MS);

  it("no secret in the agent pod: not in its environment, files or logs; its token is refused on another task's routes", async () => {
    const pod = await podOfTask('rbac');
    const exec = (cmd: string) => kubectl(cp!.kubeconfigPath, ['exec', '-n', NS, pod.metadata!.name!, '--', 'bash', '-c', cmd]);
    const env = await exec('env');
    for (const secret of [LLM_KEY, gitea!.admin.token]) {
      expect(env.stdout).not.toContain(secret);
      // grep exits 1 when nothing matches (2 on errors, e.g. unreadable files, which are not the point)
      const found = await exec(`grep -rIlF -- "$0" / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev 2>/dev/null; true`.replace('$0', secret));
      expect(found.stdout.trim()).toBe('');
    }
    const logs = await kubectl(cp!.kubeconfigPath, ['logs', '-n', NS, pod.metadata!.name!]);
    expect(logs.stdout).not.toContain(LLM_KEY);
    expect(logs.stdout).not.toContain(gitea!.admin.token);
    // Task rbac's token on task scripted's LLM and git routes: 403.
    const other = await exec('curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $(cat $WEFT_TOKEN_FILE)" -H "content-type: application/json" -d "{}" "$WEFT_GATEWAY_URL/llm/agents/scripted/openai/v1/chat/completions"');
    expect(other.stdout).toBe('403');
    const git = await exec('git -c http.extraHeader="Authorization: Bearer $(cat $WEFT_TOKEN_FILE)" ls-remote "$WEFT_GATEWAY_URL/git/agents/scripted.git" 2>&1; echo "exit $?"');
    expect(git.stdout).toMatch(/403|denied|not allowed/i);
    expect(git.stdout).toMatch(/exit [1-9]/);
  }, TEST_MS);

  it('an agent image missing on the node: Pending with reason ImageNotPresent naming the image', async () => {
    await rest.create(AGENTTASKS, newTask('noimage', { agent: { driver: 'scripted', steps: [{ run: 'true' }], image: 'localhost/not-built:v0' } }));
    const t = await until('noimage', (x) => expect(x.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('ImageNotPresent'), 120_000);
    expect(t.status?.phase).toBe('Pending');
    expect(t.status?.message).toContain('localhost/not-built:v0');
    await rest.delete(AGENTTASKS, 'noimage', NS);
  }, TEST_MS);

  it('suspend stops the pod and ends the task Cancelled; a timeout ends it with Timeout', async () => {
    await rest.patch(AGENTTASKS, { name: 'rbac', namespace: NS }, { spec: { suspend: true } });
    const cancelled = await until('rbac', (t) => expect(t.status).toMatchObject({ phase: 'Failed', outcome: 'Cancelled' }));
    await eventually(async () => expect(await rest.get(WORKLOADS, cancelled.status!.workload!, NS).catch(() => undefined)).toBeUndefined(), { timeoutMs: 60_000, description: 'the Workload of the cancelled attempt to go' });
    await rest.create(AGENTTASKS, newTask('slow', { agent: { driver: 'scripted', steps: [{ run: 'sleep 600' }] }, timeoutSeconds: 25 }));
    const t = await until('slow', (x) => expect(x.status).toMatchObject({ phase: 'Failed', outcome: 'Timeout' }), 120_000);
    expect(t.status?.message).toContain('spec.timeoutSeconds=25');
  }, TEST_MS);

  it('weft-agent driver: tool calls through the LLM gateway with the pod token; usage counted; transcript written without the key', async () => {
    llm!.push({ text: 'Writing the file.', toolCalls: [{ name: 'write_file', arguments: { path: 'agent.txt', content: 'from the agent\n' } }], usage: { input: 100, output: 20 } });
    llm!.push({ text: 'Done.', toolCalls: [{ name: 'finish', arguments: { summary: 'wrote agent.txt' } }], usage: { input: 150, output: 10 } });
    await rest.create(AGENTTASKS, newTask('llm', { agent: { driver: 'weft-agent', model: 'gpt-test', endpointSecretRef: { name: 'llm' } }, toolchain: { test: ['grep -q "from the agent" agent.txt'] } }));
    const t = await until('llm', (x) => expect(x.status?.phase).toBe('Reviewing'));
    expect(t.status?.usage).toMatchObject({ requests: 2, inputTokens: 250, outputTokens: 30 });
    // The fake saw the operator's key, never the pod's token.
    expect(llm!.requests.slice(-2).map((r) => r.headers.authorization)).toEqual([`Bearer ${LLM_KEY}`, `Bearer ${LLM_KEY}`]);
    const files = await readdir(join(transcripts, NS, 'llm'));
    const text = await readFile(join(transcripts, NS, 'llm', files[0]!), 'utf8');
    expect(text).toContain('write_file');
    expect(text).not.toContain(LLM_KEY);
  }, TEST_MS);

  it('budget: the request over spec.budget.maxRequests is refused (429) and the task ends BudgetExceeded', async () => {
    llm!.push({ text: 'one', toolCalls: [{ name: 'list_files', arguments: {} }] });
    await rest.create(AGENTTASKS, newTask('budget', { agent: { driver: 'weft-agent', endpointSecretRef: { name: 'llm' } }, budget: { maxRequests: 1 } }));
    const t = await until('budget', (x) => expect(x.status).toMatchObject({ phase: 'Failed', outcome: 'BudgetExceeded' }));
    expect(t.status?.message).toContain('spec.budget.maxRequests=1');
    // The gateway's transcript of the attempt is published with the report, without the key.
    const published = await until('budget', (x) => expect(x.status?.conditions).toContainEqual(expect.objectContaining({ type: 'ArtifactsPublished', status: 'True' })), 60_000);
    expect(published.status?.artifacts?.map((a) => a.name)).toEqual(['1/transcript.jsonl', '1/report.json']);
    const transcript = await readFile(join(artifactsDir, NS, 'agenttask', 'budget', '1', 'transcript.jsonl'), 'utf8');
    expect(transcript).toContain('list_files');
    expect(transcript).not.toContain(LLM_KEY);
  }, TEST_MS);

  it('an LLM that keeps answering 500: retried by the gateway, then InfraFailed with the cause', async () => {
    for (let i = 0; i < 8; i++) llm!.push({ status: 500, message: 'the model is on fire' });
    await rest.create(AGENTTASKS, newTask('fire', { agent: { driver: 'weft-agent', endpointSecretRef: { name: 'llm' } } }));
    const t = await until('fire', (x) => expect(x.status).toMatchObject({ phase: 'Failed', outcome: 'InfraFailed' }));
    expect(`${t.status?.message}\n${t.status?.diagnostics}`).toMatch(/500|on fire/);
  }, TEST_MS);
});
