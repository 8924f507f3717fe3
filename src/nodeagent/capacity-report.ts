import type { HostResources } from '../api/common/types.js';
import type { HostCapacity as DetectedCapacity } from '../capacity/index.js';

/** A host's capacity in plain numbers (what detection found), before formatting as Kubernetes quantities. */
export type HostCapacity = Pick<DetectedCapacity, 'cpuMillicores' | 'memoryBytes' | 'ephemeralStorageBytes' | 'gpus'>;

/** Formats bytes as a Kubernetes binary quantity (Ki/Mi/Gi/Ti when exact, else plain bytes). */
export function bytesQuantity(bytes: number): string {
  const units = ['Ti', 'Gi', 'Mi', 'Ki'] as const;
  const pow = { Ti: 2 ** 40, Gi: 2 ** 30, Mi: 2 ** 20, Ki: 2 ** 10 };
  for (const u of units) if (bytes >= pow[u] && bytes % pow[u] === 0) return `${bytes / pow[u]}${u}`;
  // Round down to whole Ki: capacity must never overstate what the host has.
  return bytes >= 1024 ? `${Math.floor(bytes / 1024)}Ki` : String(Math.floor(bytes));
}

/** Formats millicores as a CPU quantity ("8", "7500m"). */
export function cpuQuantity(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${Math.floor(millicores)}m`;
}

/** The status.capacity block the agent reports. */
export function toHostResources(c: HostCapacity): HostResources {
  return {
    cpu: cpuQuantity(c.cpuMillicores),
    memory: bytesQuantity(c.memoryBytes),
    ephemeralStorage: bytesQuantity(c.ephemeralStorageBytes),
    gpus: c.gpus,
  };
}
