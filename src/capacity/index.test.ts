import { detectHostCapacity } from './index.js';
import type { CommandRunner } from './gpu.js';

const GiB = 2 ** 30;
const base = {
  readText: async (p: string) => ({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': `${32 * GiB}\n` })[p],
  statfs: async () => ({ blocks: 25_000_000, bsize: 4096 }),
  cpuCount: () => 8,
  totalMemory: () => 64 * GiB,
};
const nvidiaSmi = (exitCode: number, stdout: string): CommandRunner => async () => ({ exitCode, stdout, stderr: '' });

describe('detectHostCapacity', () => {
  it('combines host resources and grouped GPUs', async () => {
    const cap = await detectHostCapacity({ ...base, gpu: { run: nvidiaSmi(0, 'NVIDIA L4, 23034, GPU-1\nNVIDIA L4, 23034, GPU-2\n') } });
    expect(cap).toEqual({
      cpuMillicores: 8000,
      memoryBytes: 32 * GiB,
      ephemeralStorageBytes: 102_400_000_000,
      gpus: [{ model: 'NVIDIA L4', memory: '23034Mi', count: 2 }],
      gpuStatus: 'ok',
      warnings: [`memory capped by cgroup limit: ${32 * GiB} of ${64 * GiB} bytes`],
    });
  });

  it('reports no GPUs and no warning on a host without nvidia-smi', async () => {
    const cap = await detectHostCapacity({ ...base, gpu: { run: async () => ({ stdout: '', stderr: '', notFound: true }) } });
    expect(cap).toMatchObject({ gpus: [], gpuStatus: 'no-nvidia-smi' });
    expect(cap.warnings).toHaveLength(1); // only the memory cap
  });

  it('still reports CPU and memory when the GPU driver fails, with the fix in the warnings', async () => {
    const cap = await detectHostCapacity({
      ...base,
      gpu: { run: nvidiaSmi(9, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n") },
    });
    expect(cap).toMatchObject({ cpuMillicores: 8000, gpus: [], gpuStatus: 'failed' });
    expect(cap.warnings[1]).toMatch(/^nvidia-smi failed \(exit 9\): .* — the NVIDIA kernel driver is not loaded/);
  });
});
