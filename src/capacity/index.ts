import { detectGpus, type DetectGpusOptions, type GpuDetectionStatus, type GpuGroup } from './gpu.js';
import { detectHostResources, type HostResourceOptions } from './host.js';

export * from './cgroup.js';
export * from './gpu.js';
export * from './host.js';

/** What `weft agent` reports as a MeshNode's capacity, in plain numbers (not yet quantities). */
export interface HostCapacity {
  cpuMillicores: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  gpus: GpuGroup[];
  /** How GPU detection went (`no-nvidia-smi` on a CPU-only host). */
  gpuStatus: GpuDetectionStatus;
  /** Everything worth telling the operator: cgroup caps, GPU detection failures with their fix. */
  warnings: string[];
}

/** Options of {@link detectHostCapacity}: the host probes and the GPU runner, all injectable. */
export interface DetectHostCapacityOptions extends HostResourceOptions {
  gpu?: DetectGpusOptions;
}

/**
 * Detects this host's capacity: logical CPUs, memory and ephemeral storage (each capped by the
 * process's cgroup) and NVIDIA GPUs grouped by model and memory. It does not reject for a missing
 * nvidia-smi, a GPU driver failure or an odd cgroup file; those end up in `warnings`.
 *
 * @example
 * const cap = await detectHostCapacity({ storagePath: stateDir });
 * for (const w of cap.warnings) log.warn(w);
 */
export async function detectHostCapacity(opts: DetectHostCapacityOptions = {}): Promise<HostCapacity> {
  const [host, gpu] = await Promise.all([detectHostResources(opts), detectGpus(opts.gpu)]);
  return {
    cpuMillicores: host.cpuMillicores,
    memoryBytes: host.memoryBytes,
    ephemeralStorageBytes: host.ephemeralStorageBytes,
    gpus: gpu.gpus,
    gpuStatus: gpu.status,
    warnings: [...host.warnings, ...gpu.warnings],
  };
}
