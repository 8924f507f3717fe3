import type { KubernetesObject } from '@kubernetes/client-node';
import type { ControllerContext } from '../../controllers/context.js';
import { MESHNODES } from '../api/resources.js';
import { errorMessage, keyOf, RestClient, updateStatusIfChanged, type Informer } from '../runtime/index.js';
import { planMeshStatus, type MeshSnapshot } from './discovery-plan.js';
import { watchDevices, type MeshProvider } from './provider.js';

/**
 * Maps tailnet devices to MeshNodes: polls the mesh provider every interval and reconciles each
 * MeshNode's `status.tailnet` and `MeshConnected`. A device that goes offline shows within one
 * interval (plus Headscale's own offline detection).
 */
export function setupMeshDiscovery(ctx: ControllerContext, provider: MeshProvider, opts: { intervalMs?: number } = {}): () => Promise<void> {
  const rest = new RestClient(ctx.kc);
  const nodes: Informer<KubernetesObject & Parameters<typeof planMeshStatus>[0]> = ctx.mgr.informer(MESHNODES);
  const interval = opts.intervalMs ?? 5000;
  const snap: MeshSnapshot = { devices: [] };

  ctx.mgr.add({
    name: 'mesh-discovery',
    for: MESHNODES,
    concurrency: 4,
    reconcile: async ({ key }) => {
      const node = nodes.get(key);
      if (!node) return;
      await updateStatusIfChanged(rest, MESHNODES, node, planMeshStatus(node, snap, new Date()));
    },
  });

  const enqueueAll = () => {
    for (const n of nodes.list()) ctx.mgr.enqueue('mesh-discovery', keyOf(n));
  };
  // Every answer, changed or not, moves lastSuccess: conditions say when the mesh last answered.
  const listDevices = async () => {
    const devices = await provider.listDevices();
    snap.lastSuccess = new Date();
    return devices;
  };
  const watch = watchDevices(
    { kind: provider.kind, listDevices, whois: (ip) => provider.whois(ip), policy: () => provider.policy() },
    interval,
    (devices) => {
      Object.assign(snap, { devices, error: undefined });
      enqueueAll();
    },
    (err) => {
      const error = `${provider.kind} unreachable: ${errorMessage(err)}`;
      ctx.log.warn({ err: error }, 'mesh poll failed; keeping the last known devices');
      if (snap.error === error) return;
      snap.error = error;
      enqueueAll();
    },
  );
  return async () => watch.stop();
}
