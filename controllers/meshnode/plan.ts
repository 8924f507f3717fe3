import type { HostResources } from '../../src/api/common/types.js';
import type { ObservedMeshNode } from '../../src/api/meshnode/index.js';
import type { MeshNodeStatus } from '../../src/api/meshnode/types.js';
import { planMeshStatus, type MeshSnapshot } from '../../src/mesh/discovery-plan.js';
import { setConditions, type ConditionInput } from '../../src/runtime/conditions.js';


export interface MeshNodeObservation {
  node: ObservedMeshNode;
  /** renewTime of the node's heartbeat Lease (weft-node-lease/<name>), if any. */
  heartbeat: Date | undefined;
  /** Resources of the Workloads placed on this node. */
  allocated: HostResources;
  now: Date;
  /** How long a node may go without a heartbeat before it is NotReady. */
  gracePeriodMs: number;
  /** With a mesh: what the tailnet last said (its devices give `status.tailnet` and MeshConnected). */
  tailnet?: MeshSnapshot;
}

export interface MeshNodePlan {
  status: NonNullable<MeshNodeStatus>;
  /** Come back when the heartbeat would expire (or to re-check a NotReady node). */
  requeueAfterMs: number;
  /** Ready transitions worth an Event. */
  event?: { type: 'Normal' | 'Warning'; reason: string; note: string };
}

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

/**
 * Desired MeshNode status from what was observed (pure): `Ready` from the heartbeat's age against
 * the grace period (as the node lifecycle controller does for kubelets), `CapacityReported` from
 * whether the agent has reported capacity, and `allocated` from the placed workloads.
 */
export function planMeshNode(o: MeshNodeObservation): MeshNodePlan {
  const prev = o.node.status ?? {};
  const age = o.heartbeat ? o.now.getTime() - o.heartbeat.getTime() : undefined;
  const ready = readyCondition(o, age);
  const capacityReported: ConditionInput = prev.capacity
    ? { type: 'CapacityReported', status: 'True', reason: 'AgentReported', message: 'capacity reported by weft agent' }
    : { type: 'CapacityReported', status: 'False', reason: 'NoCapacity', message: 'weft agent has not reported capacity yet' };
  const conditions = setConditions(prev.conditions, [ready, capacityReported], { now: o.now, generation: o.node.metadata?.generation });
  const own = { ...prev, allocated: o.allocated, conditions, observedGeneration: o.node.metadata?.generation };
  const status = o.tailnet ? planMeshStatus({ ...o.node, status: own }, o.tailnet, o.now) : own;
  const event = readyEvent(prev.conditions?.find((c) => c.type === 'Ready')?.status, ready);
  const requeueAfterMs = age !== undefined && age <= o.gracePeriodMs ? o.gracePeriodMs - age + 1000 : 30_000;
  return { status, requeueAfterMs, event };
}

/** `Ready` from the heartbeat's age (undefined: no heartbeat yet) against the grace period. */
function readyCondition(o: MeshNodeObservation, age: number | undefined): ConditionInput {
  const name = o.node.metadata?.name ?? '';
  const host = o.node.spec?.hostname ?? name;
  const cordon = o.node.spec?.unschedulable ? ' (cordoned: no new workloads are placed here)' : '';
  if (age === undefined) {
    return {
      type: 'Ready',
      status: 'Unknown',
      reason: 'NoHeartbeat',
      message: `no heartbeat yet: start \`weft agent --name ${name}\` on ${host} (it renews Lease weft-node-lease/${name})`,
    };
  }
  if (age <= o.gracePeriodMs) {
    return { type: 'Ready', status: 'True', reason: 'HeartbeatFresh', message: `weft agent on ${host} last reported ${seconds(Math.max(0, age))} ago${cordon}` };
  }
  return {
    type: 'Ready',
    status: 'False',
    reason: 'HeartbeatTimeout',
    message: `no heartbeat for ${seconds(age)} (grace period ${seconds(o.gracePeriodMs)}): is weft agent running on ${host} and can it reach the apiserver?${cordon}`,
  };
}

/** The Event of a Ready transition: NodeReady on becoming Ready, NodeNotReady on leaving it. */
function readyEvent(wasReady: string | undefined, ready: ConditionInput): MeshNodePlan['event'] {
  if (wasReady !== ready.status && ready.status === 'True') return { type: 'Normal', reason: 'NodeReady', note: ready.message };
  if (wasReady === 'True' && ready.status !== 'True') return { type: 'Warning', reason: 'NodeNotReady', note: ready.message };
  return undefined;
}
