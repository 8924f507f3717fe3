/**
 * `npm run bench:workflow`: an AgentTask from creation to its pull request opened, on the real node
 * with the image cached, against a local Gitea repository, with the scripted driver (BENCH_TASKS,
 * default 10, one after another). Goal: p50 < 20 s.
 *
 * Where the time goes, per task, from the pod's timestamped log and its container times:
 *   - before the pod: creation → the agent container started (the controller, placement, the
 *     Workload controller, the kubelet and containerd);
 *   - git: the clone through the operator's git gateway, and the push;
 *   - agent: the driver's work; toolchain: the lint and test commands;
 *   - after the pod: the container ended → the task Reviewing (the operator reads the report,
 *     opens the change on the forge, posts the summary, writes status).
 * The peer, in the same run: the same work done directly by this process with no Kubernetes and no
 * Weft (git clone, write, test, commit, push, open the pull request through the same Gitea API).
 * Everything runs on loopback and the real node's own bridge, and stops by itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { AGENTTASKS, PODS } from '../src/api/resources.js';
import type { AgentTask } from '../src/api/agenttask/types.js';
import { GiteaForge } from '../src/forge/gitea.js';
import { gitAuthEnv, runGit } from '../src/forge/git.js';
import { resourcePath } from '../src/runtime/index.js';
import { runShell } from '../src/agents/run/shell.js';
import { NS, ORG, startRealNodeRig, type RealNodeRig } from './agents-realnode.js';
import { fmt, pct } from './kube.js';

const TASKS = Number(process.env.BENCH_TASKS ?? 10);
const TASK_TIMEOUT_MS = 120_000;
type Task = AgentTask & KubernetesObject;

const SEGMENTS = ['before the pod', 'git clone', 'agent', 'toolchain', 'git push', 'after the pod'] as const;
type Segment = (typeof SEGMENTS)[number];

/** The runner's steps from its timestamped log: when the clone, the agent, the toolchain and the push began and the result was written. */
function stepsOf(log: string): Partial<Record<'clone' | 'agent' | 'toolchain' | 'push' | 'result', number>> {
  const out: Partial<Record<'clone' | 'agent' | 'toolchain' | 'push' | 'result', number>> = {};
  let afterClone = false;
  for (const line of log.split('\n')) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (!m) continue;
    // The kubelet's timestamp, then the runner's own (`weft task-run` stamps its lines): use the runner's.
    const own = /^(\d{4}-\d\d-\d\dT\S+Z) (.*)$/.exec(m[2]!);
    const at = Date.parse(own ? own[1]! : m[1]!);
    const text = own ? own[2]! : m[2]!;
    if (text.startsWith('clone ')) {
      out.clone = at;
      afterClone = true;
    } else if (afterClone && out.agent === undefined && !/^(continue|switched)/.test(text)) out.agent = at;
    if (/^(lint|test): /.test(text) && out.toolchain === undefined) out.toolchain = at;
    if (text.startsWith('push ') || text.startsWith('nothing new')) out.push = at;
    if (text.startsWith('result: ')) out.result = at;
  }
  return out;
}

/** The parts of one task's time (see the module comment). */
function partsOf(o: { t0: number; end: number; steps: ReturnType<typeof stepsOf>; finished: number | undefined }): Partial<Record<Segment, number>> {
  const s = o.steps;
  const parts: Partial<Record<Segment, number>> = {};
  const span = (seg: Segment, a: number | undefined, b: number | undefined) => {
    if (a !== undefined && b !== undefined && b >= a) parts[seg] = b - a;
  };
  span('before the pod', o.t0, s.clone);
  span('git clone', s.clone, s.agent);
  span('agent', s.agent, s.toolchain ?? s.push);
  span('toolchain', s.toolchain, s.push);
  span('git push', s.push, s.result);
  span('after the pod', s.result ?? o.finished, o.end);
  return parts;
}

/** Polls (20 ms, bounded) until the task is Reviewing; throws when it ends otherwise or takes too long. */
async function untilReviewing(rig: RealNodeRig, name: string, t0: number): Promise<Task> {
  for (;;) {
    const task = await rig.rest.get<Task>(AGENTTASKS, name, NS);
    const phase = task.status?.phase;
    if (phase === 'Reviewing') return task;
    if (phase === 'Failed' || phase === 'Succeeded') throw new Error(`task ${name} ended ${task.status?.outcome}: ${task.status?.message}`);
    if (Date.now() - t0 > TASK_TIMEOUT_MS) throw new Error(`task ${name}: no pull request after ${TASK_TIMEOUT_MS / 1000} s (${task.status?.message ?? 'no status'})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function weftTask(rig: RealNodeRig, i: number): Promise<{ total: number; parts: Partial<Record<Segment, number>> }> {
  const name = `wf-${i}`;
  const t0 = Date.now();
  await rig.rest.create(AGENTTASKS, {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AgentTask',
    metadata: { name, namespace: NS },
    spec: {
      org: ORG,
      repo: { url: `${rig.gitea.url}/${rig.repo}.git`, credentialsSecretRef: { name: 'forge' } },
      source: { inline: { title: `Workflow ${name}` } },
      agent: { driver: 'scripted', steps: [{ write: { path: `${name}.txt`, content: `${name}\n` } }] },
      toolchain: { test: [`test -f ${name}.txt`] },
      retryPolicy: { maxAttempts: 1 },
      resources: { cpu: '100m', memory: '256Mi' },
    },
  } as Task);
  const task = await untilReviewing(rig, name, t0);
  const total = Date.now() - t0;
  const podName = task.status!.placement!.pod!;
  const pod = await rig.rest.get<V1Pod & KubernetesObject>(PODS, podName, NS);
  const term = pod.status?.containerStatuses?.find((c) => c.name === 'agent')?.state?.terminated;
  const log = await rig.rest.request<string>('GET', resourcePath(PODS, NS, podName, 'log'), { query: { container: 'agent', timestamps: 'true' } });
  const parts = partsOf({ t0, end: t0 + total, steps: stepsOf(String(log)), finished: term?.finishedAt ? new Date(term.finishedAt).getTime() : undefined });
  return { total, parts };
}

/** The same work with no Kubernetes and no Weft: clone, write, test, commit, push, open the pull request. */
async function bareTask(rig: RealNodeRig, forge: GiteaForge, i: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-wf-'));
  try {
    const t0 = performance.now();
    const env = gitAuthEnv(rig.gitea.url, `token ${rig.gitea.admin.token}`);
    await runGit(['clone', '--no-tags', '--branch', 'main', `${rig.gitea.url}/${rig.repo}.git`, dir], { env });
    const branch = `bare/${i}`;
    await runGit(['checkout', '-b', branch], { cwd: dir });
    await writeFile(join(dir, `bare-${i}.txt`), `bare ${i}\n`);
    const test = await runShell(`test -f bare-${i}.txt`, { cwd: dir, log: () => {}, timeoutMs: 60_000 });
    if (test.exitCode !== 0) throw new Error('the bare test command failed');
    await runGit(['add', '-A'], { cwd: dir });
    await runGit(['-c', 'user.name=Bench', '-c', 'user.email=bench@weft.invalid', 'commit', '-q', '-m', `bare ${i}`], { cwd: dir });
    await runGit(['push', 'origin', `HEAD:refs/heads/${branch}`], { cwd: dir, env });
    await forge.openOrUpdateChange(rig.repo, { branch, base: 'main', title: `bare ${i}` });
    return performance.now() - t0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bench:workflow — ${TASKS} AgentTasks, created → pull request opened, one after another (real node, image cached, scripted driver, local Gitea)`);
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
  const rig = await startRealNodeRig({ log, llmKey: `sk-bench-${randomBytes(8).toString('hex')}`, repoName: 'workflow' });
  const forge = new GiteaForge({ url: rig.gitea.url, token: rig.gitea.admin.token });
  try {
    await weftTask(rig, -1); // warm-up: the first pod on a fresh node also sets up its network
    const totals: number[] = [];
    const bySegment = new Map<Segment, number[]>(SEGMENTS.map((s) => [s, []]));
    const bare: number[] = [];
    for (let i = 0; i < TASKS; i++) {
      const r = await weftTask(rig, i);
      totals.push(r.total);
      for (const s of SEGMENTS) if (r.parts[s] !== undefined) bySegment.get(s)!.push(r.parts[s]);
      bare.push(await bareTask(rig, forge, i)); // interleaved: both sides see the same machine load
    }
    const p50 = pct(totals, 50);
    console.log(`  Weft: created → pull request opened   p50 ${fmt(p50 / 1000)} s, p99 ${fmt(pct(totals, 99) / 1000)} s   [goal < 20 s p50; ${p50 < 20_000 ? 'met' : 'not met'}]`);
    console.log(`  peer: the same work without Kubernetes or Weft (git + test + Gitea API from one process)   p50 ${fmt(pct(bare, 50) / 1000)} s, p99 ${fmt(pct(bare, 99) / 1000)} s`);
    console.log('  where Weft\'s time goes (p50 of each part; parts are measured per task, so they need not add up to the total):');
    for (const s of SEGMENTS) {
      const xs = bySegment.get(s)!;
      if (xs.length === 0) continue;
      console.log(`    ${s.padEnd(16)} p50 ${fmt(pct(xs, 50) / 1000)} s  (${Math.round((pct(xs, 50) / p50) * 100)}% of the p50 total)`);
    }
    console.log('    "before the pod" and "after the pod" are ours plus Kubernetes (placement, kubelet, containerd) and the forge (opening the change); "git" is git through our gateway.');
  } finally {
    await forge.close();
    await rig.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
