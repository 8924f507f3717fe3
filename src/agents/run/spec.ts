/**
 * What the controller hands the runner of an agent pod (`WEFT_TASK_SPEC`, JSON) and what the
 * runner hands back (the termination message). One definition for both sides.
 */
import type { AgentTaskSource, ScriptedStep } from '../../api/agenttask/types.js';
import type { LintError, TestCounts, TestFailure } from './summary.js';

/** What the branches of AgentTasks start with. */
export const TASK_BRANCH_PREFIX = 'weft/';

/**
 * The branch an AgentTask's agent pushes to, the only one the git gateway lets it push.
 * @example taskBranch('fix-login') // 'weft/fix-login'
 */
export function taskBranch(task: string): string {
  return `${TASK_BRANCH_PREFIX}${task}`;
}

/** The task as the runner sees it: no Secret references (the pod cannot read Secrets). */
export interface RunnerTaskSpec {
  task: { namespace: string; name: string };
  attempt: number;
  branch: string;
  repo: { url: string; baseBranch: string };
  source: AgentTaskSource;
  agent: { driver: 'weft-agent' | 'command' | 'scripted'; model?: string; command?: string[]; steps?: ScriptedStep[] };
  toolchain: { lint: string[]; test: string[] };
  mcp: string[];
  /** Why the previous attempt failed (the next attempt's agent gets it as input). */
  previousDiagnostics?: string;
}

/**
 * How an attempt ended, as the runner reports it (the container's termination message, at most
 * 4096 bytes; the exit code agrees: 0 for pushed/no-changes, 2 for checks-failed, 1 otherwise).
 */
export type RunnerResult =
  | { result: 'pushed'; branch: string; headSha: string; baseSha?: string; lastRun?: LastRunSummary }
  | { result: 'no-changes'; lastRun?: LastRunSummary }
  | { result: 'checks-failed'; diagnostics: string; lastRun?: LastRunSummary }
  | { result: 'infra-failed'; step: string; diagnostics: string };

export interface LastRunSummary {
  lint?: string;
  test?: string;
  tests?: TestCounts;
  failures?: TestFailure[];
  lintErrors?: LintError[];
}

/** The termination message budget the kubelet keeps (bytes). */
export const TERMINATION_MESSAGE_MAX = 4096;

/** The result as a termination message: JSON, details then diagnostics cut so it fits in 4096 bytes. */
export function encodeResult(r: RunnerResult): string {
  let text = JSON.stringify(r);
  if (Buffer.byteLength(text) <= TERMINATION_MESSAGE_MAX) return text;
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
  for (let n = 2048, keep = 5; n >= 32; n = Math.floor(n / 2), keep = Math.max(0, keep - 2)) {
    const small = { ...r } as RunnerResult & { diagnostics?: string; lastRun?: LastRunSummary };
    if (small.diagnostics) small.diagnostics = cut(small.diagnostics, n);
    if (small.lastRun) {
      const lr = small.lastRun;
      small.lastRun = {
        ...(lr.lint ? { lint: cut(lr.lint, n / 2) } : {}),
        ...(lr.test ? { test: cut(lr.test, n / 2) } : {}),
        ...(lr.tests ? { tests: lr.tests } : {}),
        ...(lr.failures && keep ? { failures: lr.failures.slice(0, keep) } : {}),
        ...(lr.lintErrors && keep ? { lintErrors: lr.lintErrors.slice(0, keep) } : {}),
      };
    }
    text = JSON.stringify(small);
    if (Buffer.byteLength(text) <= TERMINATION_MESSAGE_MAX) return text;
  }
  return JSON.stringify({ result: 'infra-failed', step: 'report', diagnostics: 'the result did not fit in the termination message' });
}

/** The runner's result from a termination message, or undefined when there is none or it is not ours. */
export function decodeResult(message: string | undefined): RunnerResult | undefined {
  if (!message) return undefined;
  try {
    const v = JSON.parse(message) as { result?: unknown };
    if (v && typeof v === 'object' && ['pushed', 'no-changes', 'checks-failed', 'infra-failed'].includes(v.result as string)) return v as RunnerResult;
  } catch {
    /* not JSON: not a runner's report */
  }
  return undefined;
}

/** Exit codes of `weft task-run`. */
export const RUNNER_EXIT = { ok: 0, infra: 1, checks: 2 } as const;

/** status.lastRun from the runner's summary, bounded as the schema says. */
export function lastRunStatus(lr: LastRunSummary): LastRunSummary {
  return {
    ...(lr.lint ? { lint: lr.lint.slice(0, 4096) } : {}),
    ...(lr.test ? { test: lr.test.slice(0, 4096) } : {}),
    ...(lr.tests ? { tests: lr.tests } : {}),
    ...(lr.failures?.length ? { failures: lr.failures.slice(0, 5) } : {}),
    ...(lr.lintErrors?.length ? { lintErrors: lr.lintErrors.slice(0, 5) } : {}),
  };
}
