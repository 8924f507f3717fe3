import type { Logger } from 'pino';
import type { MeshSnapshot } from '../../src/mesh/discovery-plan.js';
import { watchDevices, type MeshProvider } from '../../src/mesh/provider.js';
import { errorMessage } from '../../src/runtime/errors.js';

/** The tailnet as the MeshNode controller observes it: the last device list (or the last error). */
export interface TailnetFeed {
  /** What the mesh provider last said; devices are the last known ones while it is unreachable. */
  snapshot(): MeshSnapshot;
  stop(): void;
}

/**
 * Polls the mesh provider every `intervalMs` and calls `onChange` when the device list changes or
 * the provider starts or stops failing. The MeshNode controller feeds the snapshot into
 * `planMeshNode`, so MeshNode status has one writer.
 */
export function watchTailnet(provider: MeshProvider, intervalMs: number, onChange: () => void, log: Logger): TailnetFeed {
  const snap: MeshSnapshot = { devices: [] };
  // Every answer, changed or not, moves lastSuccess: conditions say when the mesh last answered.
  const listDevices = async () => {
    const devices = await provider.listDevices();
    snap.lastSuccess = new Date();
    return devices;
  };
  const watch = watchDevices(
    { kind: provider.kind, listDevices, whois: (ip) => provider.whois(ip), policy: () => provider.policy() },
    intervalMs,
    (devices) => {
      Object.assign(snap, { devices, error: undefined });
      onChange();
    },
    (err) => {
      const error = `${provider.kind} unreachable: ${errorMessage(err)}`;
      log.warn({ err: error }, 'mesh poll failed; keeping the last known devices');
      if (snap.error === error) return;
      snap.error = error;
      onChange();
    },
  );
  return { snapshot: () => snap, stop: () => watch.stop() };
}
