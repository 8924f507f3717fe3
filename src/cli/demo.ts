/**
 * `weft demo`: one Spec-Kit feature end to end on the system `weft up` runs: the demo repository's
 * tasks.md synced into AgentTasks (scripted driver, so no LLM key is needed), the agents cloning and
 * pushing through the operator, pull requests opened in Gitea, and a security-scan Job whose
 * artifacts land in the artifact store. It prints what happens as it happens, then the links.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { AgentTask } from '../api/agenttask/types.js';
import type { Job } from '../api/job/types.js';
import { AGENTTASKS, JOBS } from '../api/resources.js';
import { applySync, readTasksFromForge } from '../agents/speckit-sync.js';
import { parseTasks } from '../speckit/index.js';
import { planSync, type SyncOptions } from '../speckit/sync.js';
import { loadKubeConfig } from '../runtime/load-kubeconfig.js';
import { RestClient } from '../runtime/rest.js';
import { readFile } from 'node:fs/promises';
import { EXIT, type CliIO } from './io.js';
import { readUpState, type UpState } from './up-state.js';

type Task = AgentTask & KubernetesObject;
type J = Job & KubernetesObject;

/**
 * What every demo task does (the scripted driver): a note in docs/changes/ quoting its tasks.md line,
 * then the repository's tests (`node --test`) as the toolchain.
 */
export const DEMO_TEMPLATE: SyncOptions['template'] = {
  agent: {
    driver: 'scripted',
    steps: [
      {
        run: [
          "id=$(node -p 'JSON.parse(process.env.WEFT_TASK_SPEC).source.specKit.taskId')",
          'mkdir -p docs/changes',
          '{ echo "# $id"; echo; grep -h -m1 " $id " specs/*/tasks.md | sed "s/^- \\[ \\] //"; echo; echo "Written by the scripted demo agent (weft demo)."; } > "docs/changes/$id.md"',
        ].join('; '),
      },
    ],
  },
  toolchain: { test: ['node --test'] },
  retryPolicy: { maxAttempts: 2, backoffSeconds: 5 },
  resources: { cpu: '100m', memory: '256Mi' },
};

export interface DemoOptions {
  timeoutSeconds: number;
  /** Poll interval (tests shorten it). */
  intervalMs?: number;
}

/** A task's state in one line: phase, outcome, PR, or why it waits. */
function taskLine(t: Task): string {
  const s = t.status;
  const blocked = s?.conditions?.find((c) => c.type === 'Blocked' && c.status === 'True');
  const what = [s?.phase ?? 'Pending', s?.outcome, s?.pullRequest?.url ? `PR ${s.pullRequest.url}` : undefined, blocked ? `${blocked.reason}: ${blocked.message}` : undefined];
  return `agenttask/${t.metadata!.name}: ${what.filter(Boolean).join(', ')}`;
}

/** Has the task got as far as the demo goes (a PR, an end, or waiting for the PRs of others to merge)? */
function taskSettled(t: Task): boolean {
  const s = t.status;
  if (s?.phase === 'Failed' || s?.phase === 'Succeeded') return true;
  if (s?.pullRequest?.url) return true;
  return (s?.attempt ?? 0) === 0 && s?.conditions?.some((c) => c.type === 'Blocked' && c.status === 'True' && c.reason === 'WaitingForDependency') === true;
}

function jobLine(j: J): string {
  const s = j.status;
  const arts = s?.conditions?.find((c) => c.type === 'ArtifactsPublished');
  return `job/${j.metadata!.name}: ${[s?.phase ?? 'Pending', s?.reason, s?.result?.summary, arts ? `artifacts ${arts.reason}` : undefined].filter(Boolean).join(', ')}`;
}

const jobSettled = (j: J) => (j.status?.phase === 'Succeeded' || j.status?.phase === 'Failed') && j.status.conditions?.some((c) => c.type === 'ArtifactsPublished') === true;

/** `weft demo`. */
export async function demo(home: string, io: CliIO, o: DemoOptions): Promise<number> {
  const state = await readUpState(home);
  const missing = !state ? `weft up is not running with home ${home}` : !state.forge ? 'weft up runs without the forge (--no-forge)' : !state.demo ? 'weft up runs without a real node (--no-real-node, --mesh, or a cluster from `weft cluster up`)' : undefined;
  if (missing || !state?.forge || !state.demo) {
    io.err(`error: ${missing}; start it in another terminal with \`npm run up\` (or \`node bin/weft.js up\`), wait for "Press Ctrl-C", then run weft demo again\n`);
    return EXIT.failure;
  }
  const { forge, demo: d } = state;
  const ns = d.namespace;
  const rest = new RestClient(await loadKubeConfig(state.kubeconfig).toClientNode());
  const repoUrl = `${forge.url}/${forge.repo}.git`;

  io.out(`1. syncing specs/${forge.feature}/tasks.md of ${repoUrl} into AgentTasks (namespace ${ns}, scripted driver)\n`);
  const token = (await readFile(forge.adminTokenFile, 'utf8')).trim();
  const { text, file } = await readTasksFromForge({ repoUrl, feature: forge.feature, ref: 'main', token });
  const plan = planSync(parseTasks(text, file), { repoUrl, feature: forge.feature, namespace: ns, org: ns, baseBranch: 'main', credentialsSecret: 'forge', template: DEMO_TEMPLATE });
  const report = await applySync(rest, plan, ns);
  io.out(`   ${plan.tasks.length} task(s): ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged\n`);

  const jobName = `greetings-scan-${Date.now().toString(36)}`;
  io.out(`2. job/${jobName}: security-scan of ${forge.repo}@main (failOn none: findings are reported, the Job succeeds; the SARIF report and the log go to the artifact store)\n`);
  await rest.create<J>(JOBS, {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Job',
    metadata: { name: jobName, namespace: ns },
    spec: { org: ns, template: 'security-scan', backoffLimit: 1, activeDeadlineSeconds: 600, resources: { cpu: '200m', memory: '256Mi' }, artifacts: { paths: ['reports/scan.sarif'] }, params: { repo: `${forge.podUrl}/${forge.repo}.git`, ref: 'main', failOn: 'none' } },
  } as J);

  io.out('3. waiting for the agents and the scan (Ctrl-C stops waiting; nothing is undone)\n');
  const end = await watch(rest, { ns, selector: plan.selector, jobName }, io, o);
  return summary(state, end, io);
}

interface End {
  tasks: Task[];
  job: J | undefined;
  timedOut: boolean;
}

/** Polls the tasks and the Job, printing each change of a line, until all settle or the time is up. */
async function watch(rest: RestClient, { ns, selector, jobName }: { ns: string; selector: string; jobName: string }, io: CliIO, o: DemoOptions): Promise<End> {
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  const seen = new Map<string, string>();
  const say = (key: string, line: string) => {
    if (seen.get(key) === line) return;
    seen.set(key, line);
    io.out(`   ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  };
  for (;;) {
    const tasks = (await rest.list<Task>(AGENTTASKS, { namespace: ns, labelSelector: selector })).items;
    const job = await rest.get<J>(JOBS, jobName, ns).catch(() => undefined);
    for (const t of tasks) say(t.metadata!.name!, taskLine(t));
    if (job) say(jobName, jobLine(job));
    const done = tasks.length > 0 && tasks.every(taskSettled) && job !== undefined && jobSettled(job);
    if (done || Date.now() > deadline) return { tasks, job, timedOut: !done };
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 2000));
  }
}

/** The pull requests, the tasks that wait or failed. */
function taskLines(end: End): string[] {
  const prs = end.tasks.filter((t) => t.status?.pullRequest?.url);
  const failed = end.tasks.filter((t) => t.status?.phase === 'Failed');
  const waiting = end.tasks.filter((t) => !t.status?.pullRequest?.url && t.status?.phase !== 'Failed' && t.status?.phase !== 'Succeeded');
  const lines = ['', 'Pull requests opened by the agents:'];
  for (const t of prs) lines.push(`  ${t.status!.pullRequest!.url}  (${t.metadata!.name}, ${t.status!.lastRun?.test ?? 'no tests run'})`);
  if (prs.length === 0) lines.push('  none yet');
  if (waiting.length) lines.push('', 'Waiting (merge the pull requests above in Gitea and these start):', ...waiting.map((t) => `  ${taskLine(t)}`));
  if (failed.length) lines.push('', 'Failed (kubectl describe agenttask shows why; docs/troubleshooting.md):', ...failed.map((t) => `  ${taskLine(t)}`));
  return lines;
}

/** The scan's result and its artifacts with their download URLs. */
function jobLines(state: UpState, job: J): string[] {
  const ns = state.demo!.namespace;
  const lines = ['', `Security scan: ${jobLine(job)}`];
  for (const a of job.status?.artifacts ?? []) lines.push(`  ${a.name}  ${a.size ?? '?'} bytes  ${a.digest ?? ''}  ${a.url ? `${state.operatorUrl}${a.url}` : ''}`.trimEnd());
  lines.push(`  (download with a token that may get jobs in ${ns}, e.g. the admin's weft up printed: curl -H "Authorization: Bearer <token>" URL)`);
  lines.push(`  bucket ${state.demo!.s3.bucket} at ${state.demo!.s3.endpoint}, under ${ns}/job/${job.metadata!.name}/`);
  return lines;
}

/** What kept the demo from finishing, or undefined. */
function problemOf(end: End): string | undefined {
  const failed = end.tasks.filter((t) => t.status?.phase === 'Failed').length;
  if (end.timedOut) return 'timed out before everything settled';
  if (failed) return `${failed} task(s) failed`;
  if (!end.tasks.some((t) => t.status?.pullRequest?.url)) return 'no pull request was opened';
  if (end.job?.status?.conditions?.some((c) => c.type === 'ArtifactsPublished' && c.status !== 'True')) return 'the scan artifacts were not published';
  return undefined;
}

/** The links, and the exit code: ok when a PR was opened, no task failed and the scan published its artifacts. */
function summary(state: UpState, end: End, io: CliIO): number {
  const ns = state.demo!.namespace;
  const job = end.job;
  const lines = [
    ...taskLines(end),
    ...(job ? jobLines(state, job) : []),
    '',
    'In the dashboard (sign in with the viewer token weft up printed):',
    `  ${state.operatorUrl}/features/${ns}/${state.forge!.feature}`,
    ...(job ? [`  ${state.operatorUrl}/jobs/${ns}/${job.metadata!.name}`] : []),
    `  kubectl --kubeconfig ${state.kubeconfig} -n ${ns} get agenttasks,jobs.weft.dev`,
    '',
  ];
  io.out(`${lines.join('\n')}\n`);
  const problem = problemOf(end);
  if (!problem) {
    io.out('weft demo: done\n');
    return EXIT.ok;
  }
  io.err(`weft demo: ${problem}\n`);
  return EXIT.failure;
}
