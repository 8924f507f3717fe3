/**
 * The Workload controller's decisions as one pure function: `planWorkload(observed)` says which
 * pods to create or delete, what to bind or unbind in the placement engine, the status to write
 * (once), the Events to record and when to come back. `reconcile.ts` reads what it needs, calls it
 * and applies the plan; nothing here does I/O or reads a clock.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { WORKLOAD_FINALIZER } from '../../src/api/labels.js';
import type { Workload, WorkloadStatus } from '../../src/api/workload/types.js';
import { findCondition, type Condition } from '../../src/runtime/conditions.js';
import { isFinished } from '../../src/placement/state.js';
import type { Decision } from '../../src/scheduler/types.js';
import { buildPod } from './pod.js';
import {
  MAX_ATTEMPTS,
  placementLost,
  podWasLost,
  statusClusterUnreachable,
  statusForDecision,
  statusForPod,
  statusForReschedule,
  statusGivenUp,
  type PodObservation,
} from './status.js';

export { WORKLOAD_FINALIZER };
export { isFinished };
export * from './pod.js';
export * from './status.js';

/** Where a Workload is in its life, which decides what is read and planned. */
export type WorkloadStage = 'deleting' | 'finished' | 'unplaced' | 'placed';

export function stageOf(wl: Workload): WorkloadStage {
  if (wl.metadata?.deletionTimestamp) return 'deleting';
  if (isFinished(wl)) return 'finished';
  const p = wl.status?.placement;
  return p?.node && p.cluster ? 'placed' : 'unplaced';
}

/** What reconcile saw; the fields that a stage does not need are left out. */
export interface WorkloadObservation {
  wl: Workload;
  now: Date;
  /** How long Pending Workloads wait for a retry, and how long a new pod's status write may wait. */
  timing: { retryPendingMs: number; quietMs: number };
  /** Unplaced: ms the status write of the pod this process just created is held back (coalesce.ts). */
  holdMs?: number;
  /** Unplaced: the pod of the next attempt, found in a connected cluster (adopt it, never place twice). */
  attemptPod?: { cluster: string; pod: V1Pod };
  /** Unplaced: the decision carried for it (SchedulingState), or the engine's fresh one. */
  decision?: Decision;
  /** Placed: the OrgCluster (undefined: deleted) and the MeshNode (undefined: deleted). */
  orgCluster?: unknown;
  meshNode?: { status?: { conditions?: Condition[] } };
  /** Placed: what the pod's cluster says. */
  pod?: PodObservation;
}

export type WorkloadAction =
  | { type: 'addFinalizer' }
  | { type: 'removeFinalizer' }
  /** Create `pod` in `cluster` (undo the binding if that fails). */
  | { type: 'createPod'; cluster: string; pod: V1Pod }
  /** Delete the pod; `bestEffort`: a failure is logged, not retried. */
  | { type: 'deletePod'; cluster?: string; namespace: string; name: string; bestEffort: boolean }
  | { type: 'bind'; cluster: string; node: string }
  | { type: 'unbind' }
  /** Retry this Workload when capacity of its org frees up (or stop doing so). */
  | { type: 'awaitCapacity'; waiting: boolean };

export interface WorkloadEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface WorkloadPlan {
  actions: WorkloadAction[];
  /** The status to write (only when it differs from the current one), after the actions. */
  status?: WorkloadStatus;
  events: WorkloadEvent[];
  requeueAfterMs?: number;
}

/** The retry of a cluster that cannot be reached. */
export const UNREACHABLE_RETRY_MS = 10_000;

/** The plan for one Workload; see the module comment and docs/scheduling.md ("Workload controller"). */
export function planWorkload(o: WorkloadObservation): WorkloadPlan {
  const stage = stageOf(o.wl);
  if (stage === 'deleting') return planDeletion(o.wl);
  const head: WorkloadAction[] = (o.wl.metadata?.finalizers ?? []).includes(WORKLOAD_FINALIZER) ? [] : [{ type: 'addFinalizer' }];
  const plan = stage === 'finished' ? { actions: [{ type: 'awaitCapacity', waiting: false }, { type: 'unbind' }], events: [] } as WorkloadPlan : stage === 'unplaced' ? planUnplaced(o) : planPlaced(o);
  return { ...plan, actions: [...head, ...plan.actions] };
}

/** Deleted: the pod goes, then the finalizer; the capacity is given back. */
function planDeletion(wl: Workload): WorkloadPlan {
  const ref = wl.status?.podRef;
  const del: WorkloadAction[] = ref?.name && ref.namespace ? [{ type: 'deletePod', cluster: wl.status?.placement?.cluster, namespace: ref.namespace, name: ref.name, bestEffort: false }] : [];
  return { actions: [{ type: 'awaitCapacity', waiting: false }, ...del, { type: 'unbind' }, { type: 'removeFinalizer' }], events: [] };
}

function planUnplaced(o: WorkloadObservation): WorkloadPlan {
  if ((o.holdMs ?? 0) > 0) return { actions: [], events: [], requeueAfterMs: o.holdMs };
  if (o.attemptPod) return planAdoption(o, o.attemptPod);
  const d = o.decision;
  if (!d?.placed || !d.decision) return planUnschedulable(o, d);
  const { cluster, node } = d.decision;
  const pod = buildPod(o.wl, cluster, node, (o.wl.status?.attempts ?? 0) + 1);
  // Pod first; the status (placement and, usually, the pod's first phase) is written when the
  // next pass adopts the pod, as it would after a crash (coalesce.ts says when).
  return {
    actions: [{ type: 'awaitCapacity', waiting: false }, { type: 'createPod', cluster, pod }],
    events: [{ type: 'Normal', reason: 'Scheduled', message: d.message }],
    requeueAfterMs: o.timing.quietMs,
  };
}

/** A pod made for this attempt whose status is not written yet: record it rather than place again. */
function planAdoption(o: WorkloadObservation, found: { cluster: string; pod: V1Pod }): WorkloadPlan {
  const node = found.pod.spec!.nodeName!;
  const d: Decision =
    o.decision?.decision?.cluster === found.cluster && o.decision.decision.node === node
      ? o.decision
      : { placed: true, decision: { cluster: found.cluster, node, score: 0 }, rejected: [], alternatives: [], message: `placed on ${found.cluster}@${node} (adopted pod ${found.pod.metadata?.name})` };
  const placed = { ...o.wl, status: statusForDecision(o.wl, d, o.now) };
  return { actions: [{ type: 'awaitCapacity', waiting: false }, { type: 'bind', cluster: found.cluster, node }], status: statusForPod(placed, found.pod, o.now), events: [] };
}

/** Nothing fits: Pending with every reason, one FailedScheduling Event per new reason, retried. */
function planUnschedulable(o: WorkloadObservation, d: Decision | undefined): WorkloadPlan {
  if (!d) return { actions: [{ type: 'awaitCapacity', waiting: true }], events: [], requeueAfterMs: o.timing.retryPendingMs };
  const known = findCondition(o.wl.status?.conditions, 'Scheduled')?.message === d.message.slice(0, 32768);
  return {
    actions: [{ type: 'awaitCapacity', waiting: true }],
    status: statusForDecision(o.wl, d, o.now),
    events: known ? [] : [{ type: 'Warning', reason: 'FailedScheduling', message: d.message }],
    requeueAfterMs: o.timing.retryPendingMs,
  };
}

function planPlaced(o: WorkloadObservation): WorkloadPlan {
  const { wl } = o;
  const { cluster, node } = wl.status!.placement as { cluster: string; node: string };
  const ref = wl.status?.podRef;
  const lost = placementLost(cluster, node, o.orgCluster, o.meshNode) ?? (ref?.name ? undefined : `no pod is recorded for the placement on ${cluster}@${node}`);
  if (lost) return planReschedule(o, lost);
  const pod = o.pod ?? { state: 'gone' };
  if (pod.state === 'unknown') {
    return { actions: [{ type: 'awaitCapacity', waiting: false }], status: statusClusterUnreachable(wl, pod.message, o.now), events: [{ type: 'Warning', reason: 'ClusterUnreachable', message: pod.message }], requeueAfterMs: UNREACHABLE_RETRY_MS };
  }
  if (pod.state === 'gone' || (ref?.uid && pod.pod.metadata?.uid !== ref.uid)) return planReschedule(o, `pod ${ref!.namespace}/${ref!.name} in ${cluster} was deleted`);
  const lostPod = podWasLost(pod.pod);
  if (lostPod) return planReschedule(o, lostPod);
  return planMirror(o, pod.pod);
}

/** The pod's phase mirrored; a Workload that just finished frees its node and says so. */
function planMirror(o: WorkloadObservation, pod: V1Pod): WorkloadPlan {
  const status = statusForPod(o.wl, pod, o.now);
  const before = o.wl.status?.phase;
  const after = status.phase;
  const finished = after !== before && (after === 'Succeeded' || after === 'Failed');
  if (!finished) return { actions: [{ type: 'awaitCapacity', waiting: false }], status, events: [] };
  const message = findCondition(status.conditions, 'Ready')?.message ?? after;
  return { actions: [{ type: 'awaitCapacity', waiting: false }, { type: 'unbind' }], status, events: [{ type: after === 'Failed' ? 'Warning' : 'Normal', reason: after, message }] };
}

/** The node or pod was lost: remove the pod, give the capacity back, place again or give up after MAX_ATTEMPTS. */
function planReschedule(o: WorkloadObservation, why: string): WorkloadPlan {
  const { wl } = o;
  const ref = wl.status?.podRef;
  const del: WorkloadAction[] = ref?.name && ref.namespace ? [{ type: 'deletePod', cluster: wl.status?.placement?.cluster, namespace: ref.namespace, name: ref.name, bestEffort: true }] : [];
  const giveUp = (wl.status?.attempts ?? 0) >= MAX_ATTEMPTS;
  return {
    actions: [{ type: 'awaitCapacity', waiting: false }, ...del, { type: 'unbind' }],
    status: giveUp ? statusGivenUp(wl, why, o.now) : statusForReschedule(wl, why, o.now),
    events: [{ type: 'Warning', reason: giveUp ? 'GaveUp' : 'Rescheduling', message: why }],
  };
}
