/**
 * The Workload statuses the controller writes, as plain functions: after a placement decision, one
 * that mirrors the pod's phase, after a lost placement, and while the target cluster is unreachable.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Workload, WorkloadStatus } from '../../src/api/workload/types.js';
import { metaTime } from '../../src/api/common/conditions.js';
import { findCondition, setConditions, type Condition, type ConditionInput } from '../../src/runtime/conditions.js';
import type { Decision } from '../../src/scheduler/types.js';

/** Placement attempts before a Workload whose pods keep getting lost is Failed. */
export const MAX_ATTEMPTS = 5;

const cond = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string): ConditionInput => ({ type, status, reason, message });
const MAX_REJECTED = 256;

function withConditions(wl: Workload, status: WorkloadStatus, inputs: ConditionInput[], now: Date): WorkloadStatus {
  return { ...status, observedGeneration: wl.metadata?.generation, conditions: setConditions(wl.status?.conditions, inputs, { now, generation: wl.metadata?.generation }) };
}

/** Status after a placement decision: Scheduled with the choice, or Pending with every reason. */
export function statusForDecision(wl: Workload, d: Decision, now: Date): WorkloadStatus {
  const rejected = d.rejected.slice(0, MAX_REJECTED).map((r) => ({ candidate: r.candidate, reason: `${r.filter}: ${r.reason}`.slice(0, 1024) }));
  const prev = wl.status ?? {};
  if (d.placed && d.decision) {
    return withConditions(
      wl,
      { ...prev, phase: 'Scheduled', placement: { cluster: d.decision.cluster, node: d.decision.node, score: d.decision.score, rejected }, attempts: (prev.attempts ?? 0) + 1 },
      [cond('Scheduled', 'True', 'Placed', d.message.slice(0, 32768)), cond('Ready', 'False', 'PodPending', 'the pod is being created')],
      now,
    );
  }
  const { podRef: _p, ...rest } = prev;
  return withConditions(wl, { ...rest, phase: 'Pending', placement: { rejected } }, [cond('Scheduled', 'False', 'Unschedulable', d.message.slice(0, 32768))], now);
}

/** What the pod in the target cluster says, for `statusForPod`. */
export type PodObservation =
  | { state: 'present'; pod: V1Pod }
  /** The pod was created once (status.podRef) and is gone. */
  | { state: 'gone' }
  /** The cluster cannot be reached right now. */
  | { state: 'unknown'; message: string };

/** Does this pod's end mean "lost through no fault of its own" (evicted, node gone): place again. */
export function podWasLost(pod: V1Pod): string | undefined {
  const reason = pod.status?.reason;
  if (pod.status?.phase === 'Failed' && (reason === 'Evicted' || reason === 'NodeLost' || reason === 'Preempting' || reason === 'Terminated' || reason === 'NodeShutdown')) {
    return `pod ${pod.metadata?.name} ${reason}: ${pod.status.message ?? ''}`.trim();
  }
  return undefined;
}

/** What the mirrored statuses share: the previous status with the pod's reference and start time. */
function podBase(wl: Workload, pod: V1Pod): WorkloadStatus & { podRef: { name: string } } {
  const prev = wl.status ?? {};
  const cluster = prev.podRef?.cluster ?? prev.placement?.cluster;
  const podRef = { ...prev.podRef, ...(cluster ? { cluster } : {}), namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! };
  const start = pod.status?.startTime ? metaTime(new Date(pod.status.startTime)) : prev.startTime;
  return { ...prev, podRef, ...(start ? { startTime: start } : {}) };
}

/** Succeeded or Failed: the completion time (the container's finish, else now) and why. */
function finishedStatus(wl: Workload, pod: V1Pod, now: Date): WorkloadStatus {
  const base = podBase(wl, pod);
  const terminated = pod.status?.containerStatuses?.map((c) => c.state?.terminated).find((t) => t !== undefined);
  const completionTime = base.completionTime ?? metaTime(terminated?.finishedAt ? new Date(terminated.finishedAt) : now);
  if (pod.status?.phase === 'Succeeded') {
    return withConditions(wl, { ...base, phase: 'Succeeded', completionTime }, [cond('Ready', 'False', 'PodSucceeded', `pod ${base.podRef.name} completed`)], now);
  }
  const why = terminated ? `exit code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}` : (pod.status?.reason ?? 'failed');
  const message = `pod ${base.podRef.name} failed: ${why}${pod.status?.message ? `: ${pod.status.message}` : ''}`;
  return withConditions(wl, { ...base, phase: 'Failed', completionTime }, [cond('Ready', 'False', 'PodFailed', message)], now);
}

/** Not yet running: Scheduled, with the first waiting reason of a container (ErrImageNeverPull, …). */
function waitingStatus(wl: Workload, pod: V1Pod, now: Date): WorkloadStatus {
  const { startTime: _s, ...base } = podBase(wl, pod);
  const phase = pod.status?.phase ?? 'Pending';
  // Init containers (and native sidecars, e.g. AgentTask's code-server) first: they hold the others back.
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const waiting = statuses.map((c) => c.state?.waiting).find((w) => w?.reason);
  const message = waiting ? `${waiting.reason}: ${waiting.message ?? ''}`.trim() : `pod ${base.podRef.name} is ${phase.toLowerCase()}`;
  const reason = waiting?.reason?.replace(/[^A-Za-z0-9_]/g, '') || 'PodPending';
  return withConditions(wl, { ...base, ...(wl.status?.startTime ? { startTime: wl.status.startTime } : {}), phase: 'Scheduled' }, [cond('Ready', 'False', reason, message)], now);
}

/** The status that mirrors a present pod's phase into the Workload. */
export function statusForPod(wl: Workload, pod: V1Pod, now: Date): WorkloadStatus {
  switch (pod.status?.phase ?? 'Pending') {
    case 'Running': {
      const base = podBase(wl, pod);
      return withConditions(wl, { ...base, phase: 'Running' }, [cond('Ready', 'True', 'PodRunning', `pod ${base.podRef.name} is running on ${pod.spec?.nodeName}`)], now);
    }
    case 'Succeeded':
    case 'Failed':
      return finishedStatus(wl, pod, now);
    default:
      return waitingStatus(wl, pod, now);
  }
}

/**
 * Why a placement no longer holds (its OrgCluster or MeshNode deleted, or the node NotReady), or
 * undefined while it does. A node whose Ready is Unknown (no report yet) keeps its Workloads.
 */
export function placementLost(cluster: string, node: string, oc: unknown, mn: { status?: { conditions?: Condition[] } } | undefined): string | undefined {
  if (!oc) return `OrgCluster ${cluster} was deleted`;
  if (!mn) return `MeshNode ${node} was deleted`;
  const ready = findCondition(mn.status?.conditions, 'Ready');
  return ready?.status === 'False' ? `MeshNode ${node} is NotReady: ${ready.message}`.trim() : undefined;
}

/** Status for a Workload that is given up on (too many lost pods). */
export function statusGivenUp(wl: Workload, why: string, now: Date): WorkloadStatus {
  return withConditions(wl, { ...wl.status, phase: 'Failed', completionTime: metaTime(now) }, [cond('Ready', 'False', 'TooManyAttempts', `${why}; gave up after ${wl.status?.attempts ?? 0} placements (limit ${MAX_ATTEMPTS})`)], now);
}

/** Status after the pod or node was lost: back to Pending for another placement. */
export function statusForReschedule(wl: Workload, why: string, now: Date): WorkloadStatus {
  const { podRef: _p, placement: _pl, ...rest } = wl.status ?? {};
  return withConditions(wl, { ...rest, phase: 'Pending' }, [cond('Scheduled', 'False', 'Rescheduling', why), cond('Ready', 'False', 'Rescheduling', why)], now);
}

/** Status while the target cluster cannot be reached: the pod's state is Unknown. */
export function statusClusterUnreachable(wl: Workload, message: string, now: Date): WorkloadStatus {
  return withConditions(wl, { ...wl.status }, [cond('Ready', 'Unknown', 'ClusterUnreachable', message)], now);
}
