import type { KubernetesObject } from '@kubernetes/client-node';
import { NODE_LEASE_NAMESPACE } from '../../src/nodeagent/rbac.js';
import type { ControllerContext } from '../context.js';
import { LEASES, MESHNODES } from '../../src/api/resources.js';
import type { MeshProvider } from '../../src/mesh/provider.js';
import { EventRecorder, keyOf, RestClient, updateStatusIfChanged, type Informer } from '../../src/runtime/index.js';
import { watchTailnet } from './tailnet.js';
import type { HostResources } from '../../src/api/common/types.js';
import type { ObservedMeshNode } from '../../src/api/meshnode/index.js';
import { planMeshNode } from './plan.js';

interface Lease extends KubernetesObject {
  spec?: { renewTime?: string; holderIdentity?: string };
}

export interface MeshNodeControllerOptions {
  /** Grace period without heartbeat before Ready=False (default 40 s, as the kubelet's node-monitor-grace-period). */
  gracePeriodMs?: number;
  /** Resources allocated on a node by placed workloads (the scheduling issue provides it). */
  allocatedOn?: (node: string) => HostResources;
  /** With a mesh: its devices become `status.tailnet` and `MeshConnected` (polled every intervalMs, default 5 s). */
  tailnet?: { provider: MeshProvider; intervalMs?: number };
}

/**
 * Registers the MeshNode controller, the one writer of MeshNode status: Ready from heartbeats,
 * CapacityReported, allocated, and (with a mesh) the tailnet device and MeshConnected. Returns a
 * cleanup function.
 */
export function setupMeshNodeController(ctx: ControllerContext, opts: MeshNodeControllerOptions = {}): () => Promise<void> {
  const rest = new RestClient(ctx.kc);
  const nodes: Informer<ObservedMeshNode & KubernetesObject> = ctx.mgr.informer(MESHNODES);
  const leases: Informer<Lease> = ctx.mgr.informer(LEASES, NODE_LEASE_NAMESPACE);
  const events = new EventRecorder(rest, 'meshnode', ctx.log);
  const grace = opts.gracePeriodMs ?? 40_000;
  const enqueueAll = () => {
    for (const n of nodes.list()) ctx.mgr.enqueue('meshnode', keyOf(n));
  };
  const tailnet = opts.tailnet && watchTailnet(opts.tailnet.provider, opts.tailnet.intervalMs ?? 5000, enqueueAll, ctx.log);
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
        tailnet: tailnet?.snapshot(),
      });
      await updateStatusIfChanged(rest, MESHNODES, node, plan.status);
      if (plan.event) await events.record(node, plan.event.type, plan.event.reason, plan.event.note);
      return { requeueAfterMs: plan.requeueAfterMs };
    },
  });
  return async () => tailnet?.stop();
}
