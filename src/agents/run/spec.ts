/**
 * What the controller hands the runner of an agent pod (`WEFT_TASK_SPEC`, JSON) and what the
 * runner hands back (the termination message). One definition for both sides.
 */
import type { AgentTaskSource, ScriptedStep } from '../../api/agenttask/types.js';

/** The branch an AgentTask's agent pushes to, the only one the git gateway lets it push. */
export function taskBranch(task: string): string {
  return `weft/${task}`;
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
}

/** The termination message budget the kubelet keeps (bytes). */
export const TERMINATION_MESSAGE_MAX = 4096;

/** The result as a termination message: JSON, diagnostics cut so it fits in 4096 bytes. */
export function encodeResult(r: RunnerResult): string {
  let text = JSON.stringify(r);
  if (Buffer.byteLength(text) <= TERMINATION_MESSAGE_MAX) return text;
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
  for (let n = 2048; n >= 64; n = Math.floor(n / 2)) {
    const small = { ...r } as RunnerResult & { diagnostics?: string; lastRun?: LastRunSummary };
    if (small.diagnostics) small.diagnostics = cut(small.diagnostics, n);
    if (small.lastRun) small.lastRun = { lint: small.lastRun.lint && cut(small.lastRun.lint, n / 2), test: small.lastRun.test && cut(small.lastRun.test, n / 2) };
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
