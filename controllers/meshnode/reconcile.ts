import type { KubernetesObject } from '@kubernetes/client-node';
import { NODE_LEASE_NAMESPACE } from '../../src/nodeagent/rbac.js';
import type { ControllerContext } from '../context.js';
import { LEASES, MESHNODES } from '../../src/api/resources.js';
import { EventRecorder, RestClient, updateStatusIfChanged, type Informer } from '../../src/runtime/index.js';
import { planMeshNode, type MeshNodeLike, type ResourceList } from './plan.js';

interface Lease extends KubernetesObject {
  spec?: { renewTime?: string; holderIdentity?: string };
}

export interface MeshNodeControllerOptions {
  /** Grace period without heartbeat before Ready=False (default 40 s, as the kubelet's node-monitor-grace-period). */
  gracePeriodMs?: number;
  /** Resources allocated on a node by placed workloads (the scheduling issue provides it). */
  allocatedOn?: (node: string) => ResourceList;
}

/** Registers the MeshNode controller: Ready from heartbeats, CapacityReported, allocated. */
export function setupMeshNodeController(ctx: ControllerContext, opts: MeshNodeControllerOptions = {}): void {
  const rest = new RestClient(ctx.kc);
  const nodes: Informer<MeshNodeLike & KubernetesObject> = ctx.mgr.informer(MESHNODES);
  const leases: Informer<Lease> = ctx.mgr.informer(LEASES, NODE_LEASE_NAMESPACE);
  const events = new EventRecorder(rest, 'meshnode', ctx.log);
  const grace = opts.gracePeriodMs ?? 40_000;
  ctx.mgr.add({
    name: 'meshnode',
    for: MESHNODES,
    // Each reconcile is one status write at most: parallel keys keep up with bursts of new hosts.
    concurrency: 16,
    watches: [{ type: LEASES, namespace: NODE_LEASE_NAMESPACE, map: (l) => [l.metadata!.name!] }],
    reconcile: async ({ key }) => {
      const node = nodes.get(key);
      if (!node) return;
      const lease = leases.get(`${NODE_LEASE_NAMESPACE}/${key}`);
      const renew = lease?.spec?.renewTime ? new Date(lease.spec.renewTime) : undefined;
      const plan = planMeshNode({
        node,
        heartbeat: renew,
        allocated: opts.allocatedOn?.(key) ?? { cpu: '0', memory: '0' },
        now: new Date(),
        gracePeriodMs: grace,
      });
      await updateStatusIfChanged(rest, MESHNODES, node, plan.status);
      if (plan.event) await events.record(node, plan.event.type, plan.event.reason, plan.event.note);
      return { requeueAfterMs: plan.requeueAfterMs };
    },
  });
}
