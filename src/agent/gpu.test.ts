import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectGpus, groupGpus, parseNvidiaSmi, type CommandRunner } from './gpu.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'nvidia-smi');
const run = (exitCode: number, stdout: string, stderr = ''): CommandRunner => async () => ({ exitCode, stdout, stderr });

describe('nvidia-smi parsing', () => {
  it('parses the real output recorded on an H100 machine', () => {
    const out = readFileSync(join(FIXTURES, 'h100-x1', 'query.csv'), 'utf8');
    expect(parseNvidiaSmi(out)).toEqual([{ model: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559, uuid: 'GPU-8db1a075-ac07-7685-0b26-f29a903c98af' }]);
    expect(groupGpus(parseNvidiaSmi(out))).toEqual([{ model: 'NVIDIA H100 80GB HBM3', memory: '81559Mi', count: 1 }]);
  });

  it('groups a multi-GPU box by model and memory', () => {
    const out = [
      ...Array.from({ length: 8 }, (_, i) => `NVIDIA A100-SXM4-80GB, 81920, GPU-a${i}`),
      'Tesla T4, 15360, GPU-t0',
      'NVIDIA L4, 23034, GPU-l0',
      'Tesla T4, 15360, GPU-t1',
    ].join('\r\n');
    expect(groupGpus(parseNvidiaSmi(out))).toEqual([
      { model: 'NVIDIA A100-SXM4-80GB', memory: '81920Mi', count: 8 },
      { model: 'NVIDIA L4', memory: '23034Mi', count: 1 },
      { model: 'Tesla T4', memory: '15360Mi', count: 2 },
    ]);
  });

  it('reads "No devices were found" and empty output as no GPUs', () => {
    expect(parseNvidiaSmi('No devices were found\n')).toEqual([]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });

  it('counts [N/A] memory as 0 and tolerates extra spaces', () => {
    expect(parseNvidiaSmi('  Some GPU ,  [N/A] ,  GPU-x  \n')).toEqual([{ model: 'Some GPU', memoryMiB: 0, uuid: 'GPU-x' }]);
  });

  it('rejects malformed lines naming the line', () => {
    expect(() => parseNvidiaSmi('NVIDIA H100, 81559, GPU-1\ngarbage')).toThrow(/line 2 is not "name, memory.total, uuid": "garbage"/);
  });
});

describe('detectGpus', () => {
  it('returns no GPUs when nvidia-smi is not installed', async () => expect(await detectGpus(run(127, ''))).toEqual([]));
  it('returns no GPUs for "No devices were found" (exit 6)', async () => expect(await detectGpus(run(6, 'No devices were found'))).toEqual([]));
  it('explains a driver failure (exit 9)', async () => {
    await expect(detectGpus(run(9, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."))).rejects.toThrow(/exit 9.*is the NVIDIA driver loaded/);
  });
  it('groups detected GPUs', async () => {
    expect(await detectGpus(run(0, 'Tesla T4, 15360, GPU-1\nTesla T4, 15360, GPU-2\n'))).toEqual([{ model: 'Tesla T4', memory: '15360Mi', count: 2 }]);
  });
});
