/**
 * The runner of an agent pod (`weft task-run`): clone through the operator's git gateway, let the
 * driver work, run the toolchain, commit and push the task's branch, and report the result in the
 * termination message. Every step is logged on stdout (`kubectl logs` shows them). The pod holds
 * no secret: its projected token (re-read for every call, the kubelet refreshes it) is its only
 * credential, for the gateway alone.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gitAuthEnv, runGit } from '../../forge/git.js';
import { errorMessage } from '../../runtime/errors.js';
import { encodeResult, RUNNER_EXIT, type LastRunSummary, type RunnerResult, type RunnerTaskSpec } from './spec.js';
import { runDriver, type DriverContext } from '../drivers/index.js';
import { runToolchain } from './toolchain.js';
import { runShell, type StepLog } from './shell.js';
import { exportStepSpans, StepSpans } from './spans.js';

/** Where the runner takes its inputs from (the pod's environment; tests pass their own). */
export interface RunnerEnv {
  spec: RunnerTaskSpec;
  gitUrl: string;
  gatewayUrl: string;
  tokenFile: string;
  workspace: string;
  /** Where the result goes (the kubelet's termination message file). */
  resultFile: string;
  log: StepLog;
  /** Crash-safety tests: points to be killed at (WEFT_CRASH_AT: after:clone, after:commit, after:push). */
  crashAt?: string[];
  /** The steps as child spans of the run's trace (with TRACEPARENT; sent through the operator). */
  spans?: StepSpans;
}

/** Reads the runner's inputs from the environment; throws naming the variable that is missing. */
export function runnerEnvFrom(env: NodeJS.ProcessEnv, log: StepLog): RunnerEnv {
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new Error(`${name} is not set: weft task-run runs in an AgentTask pod, whose controller sets it`);
    return v;
  };
  let spec: RunnerTaskSpec;
  try {
    spec = JSON.parse(need('WEFT_TASK_SPEC')) as RunnerTaskSpec;
  } catch (err) {
    throw new Error(`WEFT_TASK_SPEC is not JSON: ${errorMessage(err)}`);
  }
  return {
    spec,
    gitUrl: need('WEFT_GIT_URL'),
    gatewayUrl: need('WEFT_GATEWAY_URL'),
    tokenFile: need('WEFT_TOKEN_FILE'),
    workspace: need('WEFT_WORKSPACE'),
    resultFile: env.WEFT_RESULT_FILE ?? '/dev/termination-log',
    log,
    ...(env.WEFT_CRASH_AT ? { crashAt: env.WEFT_CRASH_AT.split(',') } : {}),
    ...spansOf(env.TRACEPARENT),
  };
}

const spansOf = (traceparent: string | undefined): { spans?: StepSpans } => {
  const spans = StepSpans.fromTraceparent(traceparent);
  return spans ? { spans } : {};
};

class StepFailed extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs the whole attempt; returns the exit code after writing the result. */
export async function runTask(env: RunnerEnv): Promise<number> {
  const { spec, log } = env;
  log(`task ${spec.task.namespace}/${spec.task.name}, attempt ${spec.attempt}, driver ${spec.agent.driver}, branch ${spec.branch}`);
  let result: RunnerResult;
  try {
    result = await attempt(env);
  } catch (err) {
    const step = err instanceof StepFailed ? err.step : 'runner';
    result = { result: 'infra-failed', step, diagnostics: `${step}: ${errorMessage(err)}` };
  }
  log(`result: ${result.result}${'diagnostics' in result ? ` — ${result.diagnostics.split('\n')[0]}` : ''}`);
  await writeFile(env.resultFile, encodeResult(result)).catch((err: unknown) => log(`cannot write the result to ${env.resultFile}: ${errorMessage(err)}`));
  await exportSpans(env, result.result);
  return result.result === 'checks-failed' ? RUNNER_EXIT.checks : result.result === 'infra-failed' ? RUNNER_EXIT.infra : RUNNER_EXIT.ok;
}

/** Crash-safety tests: the runner is killed here (SIGKILL: no result written, exit 137), as a pod dies. */
async function crashPoint(env: RunnerEnv, point: string): Promise<void> {
  if (!env.crashAt?.includes(point)) return;
  env.log(`killed at ${point} (weft.dev/crash-at)`);
  process.kill(process.pid, 'SIGKILL');
  await new Promise(() => undefined);
}

async function step<T>(env: RunnerEnv, name: string, fn: () => Promise<T>): Promise<T> {
  const run = async () => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StepFailed) throw err;
      throw new StepFailed(name, errorMessage(err));
    }
  };
  return env.spans ? env.spans.record(name, { 'weft.attempt': env.spec.attempt }, run) : run();
}

/** The step spans to the operator's relay, after the result is written (best effort, logged). */
async function exportSpans(env: RunnerEnv, result: string): Promise<void> {
  if (!env.spans) return;
  const token = (await readFile(env.tokenFile, 'utf8').catch(() => '')).trim();
  const url = `${env.gatewayUrl.replace(/\/$/, '')}/otlp/${env.spec.task.namespace}/${env.spec.task.name}/v1/traces`;
  const err = await exportStepSpans(env.spans, { url, token, resource: { 'k8s.namespace.name': env.spec.task.namespace, 'weft.name': env.spec.task.name, 'weft.attempt': env.spec.attempt, 'weft.result': result } });
  env.log(err ? `trace: ${env.spans.spans.length} step span(s) not sent: ${err}` : `trace: ${env.spans.spans.length} step span(s) sent (trace ${env.spans.traceId})`);
}

async function attempt(env: RunnerEnv): Promise<RunnerResult> {
  const { spec, log } = env;
  const repo = join(env.workspace, 'repo');
  const git = async (args: string[], timeoutMs = 300_000) => {
    const token = (await readFile(env.tokenFile, 'utf8')).trim();
    return runGit(args, { cwd: repo, env: gitAuthEnv(env.gitUrl, `Bearer ${token}`), timeoutMs });
  };
  const branchExists = await step(env, 'clone', async () => {
    log(`clone ${env.gitUrl} (${spec.repo.baseBranch})`);
    const token = (await readFile(env.tokenFile, 'utf8')).trim();
    await runGit(['clone', '--no-tags', '--branch', spec.repo.baseBranch, env.gitUrl, repo], { env: gitAuthEnv(env.gitUrl, `Bearer ${token}`), timeoutMs: 600_000 });
    const heads = (await git(['ls-remote', '--heads', 'origin', spec.branch])).stdout.trim();
    return heads.length > 0;
  });
  await crashPoint(env, 'after:clone');
  const base = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  await step(env, 'branch', async () => {
    if (branchExists) {
      log(`continue ${spec.branch} (a re-run keeps the work already pushed)`);
      await git(['fetch', 'origin', `refs/heads/${spec.branch}:refs/remotes/origin/${spec.branch}`]);
      await git(['checkout', '-B', spec.branch, `origin/${spec.branch}`]);
    } else {
      await git(['checkout', '-b', spec.branch]);
    }
  });
  const ctx: DriverContext = { spec, repo, gatewayUrl: env.gatewayUrl, tokenFile: env.tokenFile, log };
  const driven = await step(env, 'agent', () => runDriver(ctx));
  if (!driven.ok) {
    const diagnostics = `the agent (driver ${spec.agent.driver}) failed: ${driven.message}`;
    return driven.infra ? { result: 'infra-failed', step: 'agent', diagnostics } : { result: 'checks-failed', diagnostics };
  }

  const lastRun: LastRunSummary = {};
  const checks = await step(env, 'toolchain', () => runToolchain(spec.toolchain, repo, log));
  if (checks.lint) lastRun.lint = checks.lint.summary;
  if (checks.test) lastRun.test = checks.test.summary;
  const tests = checks.test?.details;
  if (tests?.counts) lastRun.tests = tests.counts;
  if (tests?.failures.length) lastRun.failures = tests.failures;
  if (checks.lint?.details?.lintErrors.length) lastRun.lintErrors = checks.lint.details.lintErrors;
  if (!checks.ok) return { result: 'checks-failed', diagnostics: checks.diagnostics, lastRun };

  await step(env, 'tasks.md', async () => {
    const changed = (await git(['status', '--porcelain'])).stdout.trim() !== '' || (await git(['rev-parse', 'HEAD'])).stdout.trim() !== base;
    if (changed) await markSpecKitTaskDone(spec, repo, log);
  });
  return step(env, 'push', async () => {
    await git(['add', '-A']);
    const staged = (await git(['diff', '--cached', '--name-only'])).stdout.trim();
    if (staged) {
      const title = spec.source.inline?.title ?? `${spec.source.specKit?.taskId ?? 'task'}: ${spec.task.name}`;
      await git(['-c', 'user.name=Weft Agent', '-c', 'user.email=agent@weft.invalid', 'commit', '-q', '-m', title, '-m', `AgentTask ${spec.task.namespace}/${spec.task.name}, attempt ${spec.attempt}`]);
    }
    await crashPoint(env, 'after:commit');
    const head = (await git(['rev-parse', 'HEAD'])).stdout.trim();
    const remoteHead = branchExists ? (await git(['rev-parse', `origin/${spec.branch}`])).stdout.trim() : undefined;
    if (head === base && !branchExists) return { result: 'no-changes', lastRun } as RunnerResult;
    if (head === remoteHead) {
      log(`nothing new: ${spec.branch} is already at ${head.slice(0, 12)}`);
      return { result: 'pushed', branch: spec.branch, headSha: head, baseSha: base, lastRun } as RunnerResult;
    }
    log(`push ${spec.branch} at ${head.slice(0, 12)}`);
    await git(['push', 'origin', `HEAD:refs/heads/${spec.branch}`], 600_000);
    await crashPoint(env, 'after:push');
    return { result: 'pushed', branch: spec.branch, headSha: head, baseSha: base, lastRun } as RunnerResult;
  });
}

/**
 * A Spec-Kit task's change checks its box in tasks.md (`[X]`, only that byte changes), so that when
 * the change merges, the next `weft speckit sync` sees the task done. Only when the agent changed
 * something else too: a change that is only the checkbox is not work done.
 */
async function markSpecKitTaskDone(spec: RunnerTaskSpec, repo: string, log: StepLog): Promise<void> {
  const sk = spec.source.specKit;
  if (!sk) return;
  const file = join(repo, sk.path);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return log(`tasks.md: ${sk.path} is not in the repository; ${sk.taskId} is not checked off`);
  const { setTaskStatus } = await import('../../speckit/write.js');
  const edit = setTaskStatus(text, sk.taskId, true, sk.path);
  if (!edit.changed) return;
  await writeFile(file, edit.text);
  log(`tasks.md: ${sk.taskId} checked off in ${sk.path}`);
}

export { runShell };
