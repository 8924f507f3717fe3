import type { KubernetesObject } from '@kubernetes/client-node';
import type { ControllerContext } from '../operator/controllers.js';
import { MESHNODES } from '../operator/resources.js';
import { errorMessage, keyOf, RestClient, updateStatusIfChanged, type Informer } from '../runtime/index.js';
import { planMeshStatus, type MeshSnapshot } from './discovery-plan.js';
import type { MeshProvider } from './provider.js';

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
  let stopped = false;
  let last = '';

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

  const poll = async () => {
    try {
      snap.devices = await provider.listDevices();
      snap.error = undefined;
      snap.lastSuccess = new Date();
    } catch (err) {
      snap.error = `${provider.kind} unreachable: ${errorMessage(err)}`;
      ctx.log.warn({ err: snap.error }, 'mesh poll failed; keeping the last known devices');
    }
    const fingerprint = JSON.stringify([snap.devices, snap.error]);
    if (fingerprint !== last) {
      last = fingerprint;
      for (const n of nodes.list()) ctx.mgr.enqueue('mesh-discovery', keyOf(n));
    }
  };
  const loop = async () => {
    while (!stopped) {
      await poll();
      await new Promise((r) => setTimeout(r, interval).unref());
    }
  };
  void loop();
  return async () => {
    stopped = true;
  };
}
