/**
 * How one attempt ended, from its finished Workload and (when it can be read) its pod: the typed
 * reason, the exit code of the job container and the summary the pod wrote.
 */
import type { V1ContainerStateTerminated, V1Pod } from '@kubernetes/client-node';
import type { JobResult } from '../../src/api/job/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { JOB_CONTAINER, parseTerminationMessage } from '../../src/jobs/index.js';
import { findCondition } from '../../src/runtime/conditions.js';

export interface AttemptOutcome {
  /** Completed; TemplateFailed (the work exited non-zero); InfraFailed (lost, killed, never ran). */
  reason: 'Completed' | 'TemplateFailed' | 'InfraFailed';
  message: string;
  exitCode?: number;
  result?: JobResult;
}

/** Terminations that say the container was stopped from outside, not that the work failed. */
const INFRA_REASONS = new Set(['OOMKilled', 'ContainerCannotRun', 'StartError', 'DeadlineExceeded', 'Evicted']);

/** What the pod (when readable) and the Workload say about the job container's end. */
function observedEnd(wl: Workload, pod: V1Pod | undefined): { exitCode?: number; terminatedReason?: string; result?: JobResult } {
  const terminated = (pod?.status?.containerStatuses ?? []).find((c) => c.name === JOB_CONTAINER)?.state?.terminated ?? ({} as Partial<V1ContainerStateTerminated>);
  const { exitCode: reported, ...rest } = parseTerminationMessage(terminated.message) ?? {};
  const exitCode = terminated.exitCode ?? exitCodeOfWorkload(wl) ?? reported;
  const out: { exitCode?: number; terminatedReason?: string; result?: JobResult } = {};
  if (exitCode !== undefined) out.exitCode = exitCode;
  if (terminated.reason) out.terminatedReason = terminated.reason;
  if (Object.keys(rest).length > 0) out.result = rest as JobResult;
  return out;
}

/** The exit code in the Workload's Ready message ("… exit code 3 (Error)"), when the pod cannot be read. */
function exitCodeOfWorkload(wl: Workload): number | undefined {
  const m = /exit code (\d+)/.exec(findCondition(wl.status?.conditions, 'Ready')?.message ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The outcome of a finished Workload's attempt; see the module comment. */
export function attemptOutcome(wl: Workload, pod: V1Pod | undefined): AttemptOutcome {
  const ready = findCondition(wl.status?.conditions, 'Ready');
  const { terminatedReason = '', ...end } = observedEnd(wl, pod);
  const code = end.exitCode;
  if (wl.status?.phase === 'Succeeded') return { reason: 'Completed', message: 'exit code 0', ...end, exitCode: code ?? 0 };
  if (ready?.reason === 'TooManyAttempts') return { reason: 'InfraFailed', message: ready.message, ...end };
  if (code === undefined) return { reason: 'InfraFailed', message: ready?.message ?? `Workload ${wl.metadata!.name} failed without an exit code`, ...end };
  if (code >= 128 || INFRA_REASONS.has(terminatedReason)) {
    return { reason: 'InfraFailed', message: `the job container was stopped: exit code ${code} ${terminatedReason}`.trim(), ...end };
  }
  const summary = end.result?.summary;
  return { reason: 'TemplateFailed', message: summary ? `exit code ${code}: ${summary}` : `exit code ${code}`, ...end };
}
