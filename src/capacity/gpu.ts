import { execa } from 'execa';

/** One GPU as `nvidia-smi --query-gpu=name,memory.total,uuid` reports it. */
export interface GpuDevice {
  model: string;
  /** Total framebuffer memory; `undefined` when nvidia-smi says `[N/A]` or `[Not Supported]`. */
  memoryBytes: number | undefined;
  uuid: string | undefined;
}

/** GPUs grouped by model and memory, as a MeshNode's capacity carries them (the schema's type). */
export type { GpuGroup } from '../api/common/types.js';
import type { GpuGroup } from '../api/common/types.js';

/** The exact arguments the agent passes to nvidia-smi. */
export const NVIDIA_SMI_ARGS = ['--query-gpu=name,memory.total,uuid', '--format=csv,noheader,nounits'] as const;

/** nvidia-smi is given this long before it is killed; a wedged driver can hang it for minutes. */
export const NVIDIA_SMI_TIMEOUT_MS = 10_000;

const MIB = 1024 * 1024;

/** Raised by {@link parseNvidiaSmi} for output that is not the CSV it asked for; names the line. */
export class NvidiaSmiParseError extends Error {
  override name = 'NvidiaSmiParseError';
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    reason: string,
  ) {
    super(`nvidia-smi output line ${lineNumber} ${reason}: ${JSON.stringify(line)} (expected "name, memory.total, uuid")`);
  }
}

/** What nvidia-smi prints for a field the GPU or driver does not provide. */
const isUnavailable = (field: string): boolean => /^\[(N\/A|Not Supported|Unknown Error|Insufficient Permissions)\]$/i.test(field) || field === '';

/** nvidia-smi's answer when the driver is loaded but sees no GPU (exit code 6). */
export const NO_DEVICES = /^No devices were found\b/m;

/**
 * Parses `nvidia-smi --query-gpu=name,memory.total,uuid --format=csv,noheader,nounits`: one GPU per
 * line, memory in MiB. Tolerates CRLF, blank lines and padding; `[N/A]`/`[Not Supported]` fields
 * become `undefined`. "No devices were found" (and empty output) is an empty list. Anything else
 * throws {@link NvidiaSmiParseError} naming the line, since a partial list would under-report GPUs.
 *
 * @example parseNvidiaSmi('NVIDIA H100 80GB HBM3, 81559, GPU-8db1a075-ac07-7685-0b26-f29a903c98af\n')
 * // [{ model: 'NVIDIA H100 80GB HBM3', memoryBytes: 85520809984, uuid: 'GPU-8db1a075-…' }]
 */
export function parseNvidiaSmi(stdout: string): GpuDevice[] {
  const lines = stdout.split(/\r?\n|\r/).map((l) => l.trim());
  if (lines.some((l) => NO_DEVICES.test(l))) return [];
  const devices: GpuDevice[] = [];
  lines.forEach((line, i) => {
    if (line) devices.push(parseLine(line, i + 1));
  });
  return devices;
}

function parseLine(line: string, lineNumber: number): GpuDevice {
  const fields = line.split(',').map((f) => f.trim());
  if (fields.length < 3) throw new NvidiaSmiParseError(lineNumber, line, `has ${fields.length} field(s)`);
  // GPU names have no commas today; splitting from the right keeps a future one intact.
  const uuid = fields.pop()!;
  const memory = fields.pop()!;
  const name = fields.join(', ');
  if (isUnavailable(name)) throw new NvidiaSmiParseError(lineNumber, line, 'has no GPU name');
  if (!isUnavailable(memory) && !/^\d+$/.test(memory)) throw new NvidiaSmiParseError(lineNumber, line, `has memory.total ${JSON.stringify(memory)}, not a MiB count`);
  if (!isUnavailable(uuid) && !/^(GPU|MIG)-[0-9a-fA-F-]+$/.test(uuid)) throw new NvidiaSmiParseError(lineNumber, line, `has uuid ${JSON.stringify(uuid)}, not GPU-…`);
  return {
    model: name,
    memoryBytes: isUnavailable(memory) ? undefined : Number(memory) * MIB,
    uuid: isUnavailable(uuid) ? undefined : uuid,
  };
}

/**
 * Formats MiB as a Kubernetes quantity in its canonical form: whole GiB as `Gi`, else `Mi`.
 * (A full quantity library lives in src/api/common; this is all GPU memory needs.)
 *
 * @example formatMebibytes(81559) // '81559Mi'
 * @example formatMebibytes(16384) // '16Gi'
 */
export function formatMebibytes(mib: number): string {
  if (!Number.isInteger(mib) || mib < 0) throw new RangeError(`GPU memory ${mib} MiB: expected a whole, non-negative number of MiB`);
  return mib % 1024 === 0 && mib > 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/**
 * Groups GPUs by model and memory, sorted by model then memory so that reports are stable.
 *
 * @example groupGpus([a100, a100, t4]) // [{ model: 'NVIDIA A100-SXM4-80GB', memory: '80Gi', count: 2 }, { model: 'Tesla T4', memory: '15360Mi', count: 1 }]
 */
export function groupGpus(devices: readonly GpuDevice[]): GpuGroup[] {
  const groups = new Map<string, GpuGroup & { mib: number }>();
  for (const d of devices) {
    const mib = d.memoryBytes === undefined ? -1 : Math.floor(d.memoryBytes / MIB);
    const key = `${d.model}\u0000${mib}`;
    const g = groups.get(key) ?? { model: d.model, mib, count: 0, ...(mib >= 0 ? { memory: formatMebibytes(mib) } : {}) };
    g.count++;
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => a.model.localeCompare(b.model) || a.mib - b.mib)
    .map(({ mib: _mib, ...g }) => g);
}

/** What a command run returned; `notFound` when the executable is not on PATH. */
export interface CommandResult {
  exitCode?: number;
  stdout: string;
  stderr: string;
  notFound?: boolean;
  timedOut?: boolean;
  /** Why the command could not run or was killed (spawn error, signal). */
  errorMessage?: string;
}

/** Runs a command without a shell; injectable so that detection is tested without a GPU. */
export type CommandRunner = (command: string, args: readonly string[], opts: { timeoutMs: number }) => Promise<CommandResult>;

/** The default {@link CommandRunner}: execa, never rejecting, with a timeout. */
export const execaRunner: CommandRunner = async (command, args, { timeoutMs }) => {
  const r = await execa(command, args, { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  return {
    exitCode: r.exitCode,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    notFound: r.code === 'ENOENT',
    timedOut: r.timedOut,
    errorMessage: r.failed && r.exitCode === undefined ? (r.originalMessage ?? r.shortMessage) : undefined,
  };
};

/** Why nvidia-smi failed, in the terms of what an operator has to fix. */
export type NvidiaSmiFailure = 'driver-not-loaded' | 'version-mismatch' | 'no-device-access' | 'library-missing' | 'permission' | 'gpu-lost' | 'timeout' | 'unparseable' | 'unknown';

/** nvidia-smi exists but could not report GPUs; `hint` says what to check. */
export class NvidiaSmiError extends Error {
  override name = 'NvidiaSmiError';
  constructor(
    readonly reason: NvidiaSmiFailure,
    readonly exitCode: number | undefined,
    readonly output: string,
    readonly hint: string,
  ) {
    super(`nvidia-smi failed${exitCode === undefined ? '' : ` (exit ${exitCode})`}: ${firstLine(output) || reason} — ${hint}`);
  }
}

const firstLine = (s: string): string => s.trim().split(/\r?\n/)[0]?.trim() ?? '';

/** Known nvidia-smi failures: its documented exit codes, and the messages (on stdout) that go with them. */
const FAILURES: Array<{ reason: NvidiaSmiFailure; exitCodes: number[]; pattern: RegExp; hint: string }> = [
  {
    reason: 'driver-not-loaded',
    exitCodes: [9],
    pattern: /couldn't communicate with the NVIDIA driver|driver is not loaded/i,
    hint: 'the NVIDIA kernel driver is not loaded: check `lsmod | grep nvidia` and `dmesg | grep -i nvidia`, load it with `modprobe nvidia` (Secure Boot rejects unsigned modules) or reinstall the driver',
  },
  {
    reason: 'version-mismatch',
    exitCodes: [18],
    pattern: /Driver\/library version mismatch/i,
    hint: 'the loaded kernel module and the NVML library differ, usually after a driver upgrade: reboot the host (or unload and reload the nvidia modules)',
  },
  {
    reason: 'library-missing',
    exitCodes: [12],
    pattern: /NVML Shared Library Not Found|libnvidia-ml/i,
    hint: "install the driver's user-space libraries (libnvidia-ml.so.1, e.g. the nvidia-utils package matching the driver)",
  },
  {
    reason: 'permission',
    exitCodes: [4],
    pattern: /Insufficient Permissions/i,
    hint: 'the agent may not open /dev/nvidia*: check the device files\' permissions or run the agent with access to them',
  },
  {
    reason: 'gpu-lost',
    exitCodes: [15],
    pattern: /GPU is lost|fallen off the bus/i,
    hint: 'a GPU fell off the bus: check `dmesg` for Xid errors; the GPU needs a reset or the host a reboot',
  },
  {
    reason: 'no-device-access',
    exitCodes: [],
    pattern: /Failed to initialize NVML: Unknown Error/i,
    hint: 'NVML cannot reach the GPUs; in a container, run it with GPU access (NVIDIA Container Toolkit `--gpus all`, or the nvidia.com/gpu device plugin) and the driver\'s device nodes',
  },
];

/** Classifies a failed nvidia-smi run (pure: tested on recorded outputs). */
export function classifyNvidiaSmiFailure(r: CommandResult): NvidiaSmiError {
  const output = [r.stdout, r.stderr, r.errorMessage].filter(Boolean).join('\n').trim();
  if (r.timedOut) {
    return new NvidiaSmiError('timeout', undefined, output, `no answer in ${NVIDIA_SMI_TIMEOUT_MS / 1000} s: the driver may be wedged; check \`dmesg\` for Xid errors and enable persistence mode (\`nvidia-smi -pm 1\`)`);
  }
  const known = FAILURES.find((f) => f.pattern.test(output)) ?? FAILURES.find((f) => r.exitCode !== undefined && f.exitCodes.includes(r.exitCode));
  if (known) return new NvidiaSmiError(known.reason, r.exitCode, output, known.hint);
  return new NvidiaSmiError('unknown', r.exitCode, output, 'run `nvidia-smi` on the host to see the full error');
}

/** How GPU detection went: `no-nvidia-smi` (not installed: a CPU-only host) and `no-devices` are not failures. */
export type GpuDetectionStatus = 'ok' | 'no-nvidia-smi' | 'no-devices' | 'failed';

/** The result of {@link detectGpus}: GPUs found, or why none were, never a rejection. */
export interface GpuDetection {
  status: GpuDetectionStatus;
  devices: GpuDevice[];
  gpus: GpuGroup[];
  /** Set when `status` is `failed`; throw it where a failure must stop the caller. */
  error?: NvidiaSmiError;
  warnings: string[];
}

/**
 * Interprets one nvidia-smi run (pure). Missing nvidia-smi → no GPUs, no warning. "No devices were
 * found" (exit 6) → no GPUs with a warning, since a driver without devices is usually a container
 * without GPU access. Any other failure → no GPUs, `status: 'failed'`, a typed {@link NvidiaSmiError}
 * and a warning: the node still reports its CPU and memory, and the warning says what to fix.
 */
export function interpretNvidiaSmi(r: CommandResult, command = 'nvidia-smi'): GpuDetection {
  if (r.notFound) return { status: 'no-nvidia-smi', devices: [], gpus: [], warnings: [] };
  if (NO_DEVICES.test(r.stdout) || NO_DEVICES.test(r.stderr)) {
    return { status: 'no-devices', devices: [], gpus: [], warnings: [`${command}: No devices were found — the NVIDIA driver is installed but sees no GPU (in a container: is the GPU passed through?)`] };
  }
  if (r.exitCode !== 0 || r.timedOut) return failed(classifyNvidiaSmiFailure(r));
  try {
    const devices = parseNvidiaSmi(r.stdout);
    return { status: devices.length ? 'ok' : 'no-devices', devices, gpus: groupGpus(devices), warnings: [] };
  } catch (err) {
    if (!(err instanceof NvidiaSmiParseError)) throw err;
    return failed(new NvidiaSmiError('unparseable', 0, r.stdout, `${err.message}; report the nvidia-smi and driver versions (\`nvidia-smi --version\`)`));
  }
}

const failed = (error: NvidiaSmiError): GpuDetection => ({ status: 'failed', devices: [], gpus: [], error, warnings: [error.message] });

/** Options of {@link detectGpus}. */
export interface DetectGpusOptions {
  run?: CommandRunner;
  /** The nvidia-smi executable (default `nvidia-smi` on PATH). */
  command?: string;
  timeoutMs?: number;
}

/**
 * Detects NVIDIA GPUs with nvidia-smi (10 s timeout). Never rejects for nvidia-smi's own failures:
 * see {@link interpretNvidiaSmi} for what each outcome reports.
 *
 * @example
 * const { gpus, warnings } = await detectGpus();
 * // gpus: [{ model: 'NVIDIA H100 80GB HBM3', memory: '81559Mi', count: 1 }]
 */
export async function detectGpus(opts: DetectGpusOptions = {}): Promise<GpuDetection> {
  const command = opts.command ?? 'nvidia-smi';
  const r = await (opts.run ?? execaRunner)(command, NVIDIA_SMI_ARGS, { timeoutMs: opts.timeoutMs ?? NVIDIA_SMI_TIMEOUT_MS });
  return interpretNvidiaSmi(r, command);
}
