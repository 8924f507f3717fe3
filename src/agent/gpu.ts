import { execa } from 'execa';

/** One GPU as nvidia-smi reports it. */
export interface GpuDevice {
  model: string;
  memoryMiB: number;
  uuid: string;
}

/** GPUs grouped by model and memory, as MeshNode status carries them. */
export interface GpuGroup {
  model: string;
  memory: string;
  count: number;
}

/** The exact query the agent runs (memory.total with nounits is MiB). */
export const NVIDIA_SMI_ARGS = ['--query-gpu=name,memory.total,uuid', '--format=csv,noheader,nounits'];

/** Raised when nvidia-smi exists but cannot talk to the driver; the message says what to check. */
export class GpuDetectionError extends Error {
  override name = 'GpuDetectionError';
}

/**
 * Parses `nvidia-smi --query-gpu=name,memory.total,uuid --format=csv,noheader,nounits` output.
 * "No devices were found" means no GPUs. Fields of `[N/A]` or `[Not Supported]` count as 0 MiB.
 * A malformed line throws with the line number and content.
 */
export function parseNvidiaSmi(stdout: string): GpuDevice[] {
  const lines = stdout.replace(/\r/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length === 1 && /^No devices were found/i.test(lines[0]!)) return [];
  return lines.map((line, i) => {
    const parts = line.split(',').map((p) => p.trim());
    if (parts.length !== 3 || !parts[0]) throw new GpuDetectionError(`nvidia-smi output line ${i + 1} is not "name, memory.total, uuid": ${JSON.stringify(line)}`);
    const mem = /^\d+$/.test(parts[1]!) ? Number(parts[1]) : 0;
    return { model: parts[0]!, memoryMiB: mem, uuid: parts[2]! };
  });
}

/** Groups devices by model and memory (sorted, so reports are stable). */
export function groupGpus(devices: GpuDevice[]): GpuGroup[] {
  const groups = new Map<string, GpuGroup>();
  for (const d of devices) {
    const key = `${d.model}|${d.memoryMiB}`;
    const g = groups.get(key) ?? { model: d.model, memory: `${d.memoryMiB}Mi`, count: 0 };
    g.count++;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.model.localeCompare(b.model) || a.memory.localeCompare(b.memory));
}

export type CommandRunner = (cmd: string, args: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

const defaultRunner: CommandRunner = async (cmd, args) => {
  const r = await execa(cmd, args, { reject: false, timeout: 10_000 });
  if ((r as { code?: string }).code === 'ENOENT' || r.failed && r.exitCode === undefined) return { exitCode: 127, stdout: '', stderr: 'not found' };
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
};

/**
 * Detects NVIDIA GPUs. No nvidia-smi on PATH → no GPUs (not an error). nvidia-smi exit 6 with
 * "No devices were found" → no GPUs. Other failures (driver not loaded: exit 9) → GpuDetectionError.
 */
export async function detectGpus(run: CommandRunner = defaultRunner): Promise<GpuGroup[]> {
  const r = await run('nvidia-smi', NVIDIA_SMI_ARGS);
  if (r.exitCode === 127) return [];
  if (/No devices were found/i.test(r.stdout + r.stderr)) return [];
  if (r.exitCode !== 0) {
    throw new GpuDetectionError(
      `nvidia-smi failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split('\n')[0]} — is the NVIDIA driver loaded (lsmod | grep nvidia) and, in a container, is the GPU device mounted?`,
    );
  }
  return groupGpus(parseNvidiaSmi(r.stdout));
}
