import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  NvidiaSmiError,
  NvidiaSmiParseError,
  classifyNvidiaSmiFailure,
  detectGpus,
  formatMebibytes,
  groupGpus,
  interpretNvidiaSmi,
  parseNvidiaSmi,
  type CommandResult,
  type CommandRunner,
} from './gpu.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FAKE = join(ROOT, 'test', 'fakes', 'nvidia-smi');
/** Output of a fake nvidia-smi scenario (test/fakes/nvidia-smi/scenarios). */
const scenario = (name: string): CommandResult => {
  const dir = join(FAKE, 'scenarios', name);
  const from = (() => {
    try {
      return join(ROOT, readFileSync(join(dir, 'stdout-from'), 'utf8').trim());
    } catch {
      return join(dir, 'stdout');
    }
  })();
  return { exitCode: Number(readFileSync(join(dir, 'rc'), 'utf8')), stdout: readFileSync(from, 'utf8'), stderr: '' };
};
const MiB = 2 ** 20;

describe('parseNvidiaSmi', () => {
  it('parses the real output recorded on an H100 machine (test/fixtures/nvidia-smi/h100-x1)', () => {
    const out = readFileSync(join(ROOT, 'test', 'fixtures', 'nvidia-smi', 'h100-x1', 'query.csv'), 'utf8');
    expect(parseNvidiaSmi(out)).toEqual([{ model: 'NVIDIA H100 80GB HBM3', memoryBytes: 81559 * MiB, uuid: 'GPU-8db1a075-ac07-7685-0b26-f29a903c98af' }]);
  });

  it.each([
    ['no devices', 'No devices were found\n', []],
    ['empty output', '', []],
    ['blank lines only', '\r\n\n', []],
    ['a MIG device uuid', 'NVIDIA A100-SXM4-40GB, 40960, MIG-4a7b1268-5e9f-4c4c-99d6-8c7f5e2a6b88\n', [{ model: 'NVIDIA A100-SXM4-40GB', memoryBytes: 40960 * MiB, uuid: 'MIG-4a7b1268-5e9f-4c4c-99d6-8c7f5e2a6b88' }]],
    ['[N/A] memory and uuid', 'NVIDIA A100-SXM4-40GB, [N/A], [N/A]\n', [{ model: 'NVIDIA A100-SXM4-40GB', memoryBytes: undefined, uuid: undefined }]],
    ['[Not Supported] memory', 'Some vGPU, [Not Supported], GPU-ab12\n', [{ model: 'Some vGPU', memoryBytes: undefined, uuid: 'GPU-ab12' }]],
    ['padding, CRLF, no spaces after commas', '  NVIDIA L4 ,  23034 ,  GPU-a9e1  \r\nNVIDIA L4,23034,GPU-b0f2\r\n', [
      { model: 'NVIDIA L4', memoryBytes: 23034 * MiB, uuid: 'GPU-a9e1' },
      { model: 'NVIDIA L4', memoryBytes: 23034 * MiB, uuid: 'GPU-b0f2' },
    ]],
    ['a comma in a (future) model name', 'Vendor GPU, rev 2, 1024, GPU-1\n', [{ model: 'Vendor GPU, rev 2', memoryBytes: 1024 * MiB, uuid: 'GPU-1' }]],
  ])('%s', (_name, out, want) => expect(parseNvidiaSmi(out)).toEqual(want));

  it.each([
    ['one field', 'garbage', /line 1 has 1 field\(s\): "garbage"/],
    ['units left in (query without nounits)', 'NVIDIA H100 80GB HBM3, 81559 MiB, GPU-8db1', /line 1 has memory\.total "81559 MiB", not a MiB count/],
    ['the CSV header (query without noheader)', 'name, memory.total [MiB], uuid', /line 1 has memory\.total "memory\.total \[MiB\]"/],
    ['no GPU name', '[N/A], 1024, GPU-1', /line 1 has no GPU name/],
    ['a bad uuid on line 2', 'Tesla T4, 15360, GPU-1\nTesla T4, 15360, nonsense', /line 2 has uuid "nonsense", not GPU-…/],
  ])('rejects %s, naming the line', (_name, out, message) => {
    expect(() => parseNvidiaSmi(out)).toThrow(NvidiaSmiParseError);
    expect(() => parseNvidiaSmi(out)).toThrow(message);
  });
});

describe('formatMebibytes', () => {
  it.each([
    [81559, '81559Mi'],
    [81920, '80Gi'],
    [16384, '16Gi'],
    [15360, '15Gi'],
    [23034, '23034Mi'],
    [0, '0Mi'],
  ])('%p MiB → %p', (mib, want) => expect(formatMebibytes(mib)).toBe(want));

  it.each([-1, 1.5, Number.NaN])('rejects %p', (mib) => expect(() => formatMebibytes(mib)).toThrow(RangeError));
});

describe('groupGpus', () => {
  it.each([
    ['one H100 (real)', 'h100-x1', [{ model: 'NVIDIA H100 80GB HBM3', memory: '81559Mi', count: 1 }]],
    ['8× A100-SXM4-80GB', 'a100-x8', [{ model: 'NVIDIA A100-SXM4-80GB', memory: '80Gi', count: 8 }]],
    ['mixed T4 + L4', 't4-l4-mixed', [
      { model: 'NVIDIA L4', memory: '23034Mi', count: 1 },
      { model: 'Tesla T4', memory: '15Gi', count: 2 },
    ]],
    ['[N/A] memory is its own group, without memory', 'unavailable-fields', [
      { model: 'NVIDIA A100-SXM4-40GB', count: 2 },
      { model: 'NVIDIA A100-SXM4-40GB', memory: '40Gi', count: 1 },
    ]],
    ['CRLF and padding', 'crlf-padded', [{ model: 'NVIDIA L4', memory: '23034Mi', count: 2 }]],
  ])('%s', (_name, name, want) => expect(groupGpus(parseNvidiaSmi(scenario(name).stdout))).toEqual(want));

  it('returns nothing for no devices', () => expect(groupGpus([])).toEqual([]));
});

describe('classifyNvidiaSmiFailure', () => {
  it.each([
    ['driver-not-loaded', 'driver-not-loaded', 9, /modprobe nvidia/],
    ['version-mismatch', 'version-mismatch', 18, /reboot the host/],
    ['container-no-access', 'no-device-access', 255, /NVIDIA Container Toolkit/],
  ])('recognises the %s output', (name, reason, exitCode, hint) => {
    const err = classifyNvidiaSmiFailure(scenario(name));
    expect(err).toBeInstanceOf(NvidiaSmiError);
    expect(err).toMatchObject({ reason, exitCode });
    expect(err.hint).toMatch(hint);
    expect(err.message).toMatch(new RegExp(`^nvidia-smi failed \\(exit ${exitCode}\\): `));
  });

  it.each([
    [{ exitCode: 12, stdout: 'NVIDIA-SMI couldn\'t find libnvidia-ml.so library in your system.', stderr: '' }, 'library-missing'],
    [{ exitCode: 4, stdout: 'Insufficient Permissions', stderr: '' }, 'permission'],
    [{ exitCode: 15, stdout: 'Unable to determine the device handle for GPU0000:3B:00.0: GPU is lost.  Reboot the system to recover this GPU', stderr: '' }, 'gpu-lost'],
    [{ exitCode: 9, stdout: '', stderr: '' }, 'driver-not-loaded'],
    [{ exitCode: 3, stdout: 'something new', stderr: '' }, 'unknown'],
    [{ exitCode: undefined, stdout: '', stderr: '', timedOut: true }, 'timeout'],
  ] as Array<[CommandResult, string]>)('%j → %s', (r, reason) => expect(classifyNvidiaSmiFailure(r).reason).toBe(reason));
});

describe('interpretNvidiaSmi', () => {
  it('nvidia-smi not installed → no GPUs, no warning (a CPU-only host)', () => {
    expect(interpretNvidiaSmi({ stdout: '', stderr: '', notFound: true })).toEqual({ status: 'no-nvidia-smi', devices: [], gpus: [], warnings: [] });
  });

  it('"No devices were found" (exit 6) → no GPUs with a warning', () => {
    const d = interpretNvidiaSmi(scenario('no-devices'));
    expect(d).toMatchObject({ status: 'no-devices', gpus: [] });
    expect(d.warnings).toEqual([expect.stringMatching(/No devices were found — the NVIDIA driver is installed but sees no GPU/)]);
  });

  it('driver failure (exit 9) → status failed, a typed error and a warning with the fix', () => {
    const d = interpretNvidiaSmi(scenario('driver-not-loaded'));
    expect(d.status).toBe('failed');
    expect(d.error).toBeInstanceOf(NvidiaSmiError);
    expect(d.warnings).toEqual([d.error!.message]);
    expect(d.warnings[0]).toMatch(/couldn't communicate with the NVIDIA driver.*lsmod \| grep nvidia/);
  });

  it('unparseable output with exit 0 → status failed (never a partial list)', () => {
    const d = interpretNvidiaSmi({ exitCode: 0, stdout: 'NVIDIA H100, 81559 MiB, GPU-1\n', stderr: '' });
    expect(d).toMatchObject({ status: 'failed', error: { reason: 'unparseable' } });
  });

  it('groups what it found', () => {
    expect(interpretNvidiaSmi(scenario('a100-x8'))).toMatchObject({ status: 'ok', gpus: [{ model: 'NVIDIA A100-SXM4-80GB', memory: '80Gi', count: 8 }], warnings: [] });
  });
});

describe('detectGpus', () => {
  it('runs the exact query with a 10 s timeout through the injected runner', async () => {
    const calls: unknown[] = [];
    const run: CommandRunner = async (cmd, args, opts) => {
      calls.push([cmd, args, opts]);
      return scenario('t4-l4-mixed');
    };
    const d = await detectGpus({ run });
    expect(calls).toEqual([['nvidia-smi', ['--query-gpu=name,memory.total,uuid', '--format=csv,noheader,nounits'], { timeoutMs: 10_000 }]]);
    expect(d.gpus).toHaveLength(2);
  });

  describe('through execa against the fake nvidia-smi (test/fakes/nvidia-smi)', () => {
    const command = join(FAKE, 'nvidia-smi');
    const withScenario = async (name: string, timeoutMs?: number) => {
      const saved = process.env.FAKE_NVIDIA_SMI_SCENARIO;
      process.env.FAKE_NVIDIA_SMI_SCENARIO = name;
      try {
        return await detectGpus({ command, timeoutMs });
      } finally {
        if (saved === undefined) delete process.env.FAKE_NVIDIA_SMI_SCENARIO;
        else process.env.FAKE_NVIDIA_SMI_SCENARIO = saved;
      }
    };

    it('reads the recorded H100', async () => expect((await withScenario('h100-x1')).gpus).toEqual([{ model: 'NVIDIA H100 80GB HBM3', memory: '81559Mi', count: 1 }]));
    it('sees exit 6 as no devices', async () => expect((await withScenario('no-devices')).status).toBe('no-devices'));
    it('sees exit 18 as a version mismatch', async () => expect((await withScenario('version-mismatch')).error).toMatchObject({ reason: 'version-mismatch', exitCode: 18 }));
    it('kills a hung nvidia-smi at the timeout', async () => expect((await withScenario('hang', 300)).error).toMatchObject({ reason: 'timeout' }));
    it('treats a missing executable as no GPUs', async () => {
      expect(await detectGpus({ command: join(FAKE, 'does-not-exist') })).toMatchObject({ status: 'no-nvidia-smi', warnings: [] });
    });
  });
});
