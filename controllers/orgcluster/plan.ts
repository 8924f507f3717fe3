import { setConditions, type Condition, type ConditionInput } from '../../src/runtime/conditions.js';
import type { ClusterProbe } from '../../src/cluster/providers/probe.js';
import type { OrgClusterLike } from '../../src/cluster/providers/types.js';
import { metaTime } from '../../src/api/common/conditions.js';

export type ProvisionOutcome = { ok: true; message: string } | { ok: false; reason: string; message: string };

export interface OrgClusterObservation {
  oc: OrgClusterLike;
  provision: ProvisionOutcome;
  /** Undefined when provisioning failed (nothing to probe). */
  probe?: ClusterProbe;
  now: Date;
  probeIntervalMs: number;
}

export interface OrgClusterPlan {
  status: Record<string, unknown> & { conditions: Condition[] };
  requeueAfterMs: number;
  event?: { type: 'Normal' | 'Warning'; reason: string; note: string };
}

/**
 * Desired OrgCluster status (pure): `Provisioned` from the provider, `Reachable` from the probe,
 * `Ready` when both hold. When a probe fails, the last known version and capacity are kept and the
 * conditions say why, so `kubectl get oc` still shows what the cluster was.
 */
export function planOrgCluster(o: OrgClusterObservation): OrgClusterPlan {
  const prev = (o.oc.status ?? {}) as Record<string, unknown> & { conditions?: Condition[] };
  const provisioned: ConditionInput = o.provision.ok
    ? { type: 'Provisioned', status: 'True', reason: 'Provisioned', message: o.provision.message }
    : { type: 'Provisioned', status: 'False', reason: o.provision.reason, message: o.provision.message };
  const reachable = reachableCondition(o.probe);
  const ok = provisioned.status === 'True' && reachable.status === 'True';
  const blocker = provisioned.status !== 'True' ? provisioned : reachable;
  const ready: ConditionInput = ok
    ? { type: 'Ready', status: 'True', reason: 'ClusterReady', message: reachable.message }
    : { type: 'Ready', status: 'False', reason: blocker.reason, message: blocker.message };
  const conditions = setConditions(prev.conditions, [provisioned, reachable, ready], { now: o.now, generation: o.oc.metadata?.generation });
  const status: OrgClusterPlan['status'] = { ...prev, conditions, observedGeneration: o.oc.metadata?.generation, ...probedStatus(o.probe, o.now) };
  const event = readyEvent(ok, prev.conditions?.find((c) => c.type === 'Ready')?.status, ready);
  return { status, requeueAfterMs: ok ? o.probeIntervalMs : Math.min(o.probeIntervalMs, 15_000), event };
}

/** `Reachable` from the probe (none: the cluster is not provisioned). */
function reachableCondition(probe: ClusterProbe | undefined): ConditionInput {
  if (!probe) return { type: 'Reachable', status: 'Unknown', reason: 'NotProvisioned', message: 'not probed: the cluster is not provisioned' };
  if (probe.reachable) return { type: 'Reachable', status: 'True', reason: 'ProbeSucceeded', message: probe.message };
  return { type: 'Reachable', status: 'False', reason: 'ProbeFailed', message: probe.message };
}

/** What a probe tells of the cluster: its API server URL, and when it answered, its version, nodes and capacity. */
function probedStatus(p: ClusterProbe | undefined, now: Date): Record<string, unknown> {
  return {
    ...(p?.apiServerURL ? { apiServerURL: p.apiServerURL } : {}),
    ...(p?.reachable
      ? {
          kubernetesVersion: p.kubernetesVersion,
          nodes: p.nodes,
          readyNodes: p.readyNodes,
          capacity: p.capacity,
          allocatable: p.allocatable,
          lastProbeTime: metaTime(now),
        }
      : {}),
  };
}

/** The Event of a Ready transition: ClusterReady on becoming Ready, the blocker's reason on leaving it. */
function readyEvent(ok: boolean, wasReady: string | undefined, ready: ConditionInput): OrgClusterPlan['event'] {
  if (ok && wasReady !== 'True') return { type: 'Normal', reason: 'ClusterReady', note: ready.message };
  if (!ok && wasReady === 'True') return { type: 'Warning', reason: ready.reason, note: ready.message };
  return undefined;
}
