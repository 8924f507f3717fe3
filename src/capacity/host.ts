import { readFile, statfs } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import {
  cgroupDirs,
  parseCgroupV1CpuQuota,
  parseCgroupV1MemoryLimit,
  parseCgroupV2CpuMax,
  parseCgroupV2MemoryMax,
  parseProcSelfCgroup,
  type CgroupMembership,
} from './cgroup.js';

/** CPU, memory and disk of this host (or of the cgroup this process is confined to). */
export interface HostResources {
  cpuMillicores: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  /** What was capped or could not be read, for the agent to log and report. */
  warnings: string[];
}

/** The two statfs fields capacity needs (`node:fs` returns more). */
export interface StatfsLike {
  blocks: number | bigint;
  bsize: number | bigint;
}

/** Everything {@link detectHostResources} reads from the OS; tests replace any of it. */
export interface HostProbes {
  /** Reads a text file; resolves `undefined` when it does not exist. */
  readText?: (path: string) => Promise<string | undefined>;
  statfs?: (path: string) => Promise<StatfsLike>;
  /** Logical CPUs this process may run on (default `os.availableParallelism()`). */
  cpuCount?: () => number;
  /** Physical memory in bytes (default `os.totalmem()`). */
  totalMemory?: () => number;
}

/** Options of {@link detectHostResources}. */
export interface HostResourceOptions extends HostProbes {
  /** The filesystem whose size is reported as ephemeral storage (default `/var/lib`). */
  storagePath?: string;
  /** Where cgroupfs is mounted (default `/sys/fs/cgroup`). */
  cgroupRoot?: string;
}

/** Default ephemeral-storage path: where a kubelet keeps pods, images and logs. */
export const DEFAULT_STORAGE_PATH = '/var/lib';

/** Total size of a filesystem from its statfs, in bytes (capacity, not free space, as kubelet reports). */
export function storageBytesFromStatfs(s: StatfsLike): number {
  return Number(BigInt(s.blocks) * BigInt(s.bsize));
}

/** The smaller of a host value and the cgroup limits that apply (undefined limits are ignored). */
export function capByLimits(host: number, limits: Array<number | undefined>): number {
  return limits.reduce<number>((min, l) => (l !== undefined && l < min ? l : min), host);
}

const readTextDefault = async (path: string): Promise<string | undefined> => {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (['ENOENT', 'ENOTDIR', 'EACCES'].includes((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
};

const cpuCountDefault = (): number => (typeof availableParallelism === 'function' ? availableParallelism() : cpus().length);

/**
 * Detects this host's CPU (logical cores as millicores), memory and ephemeral storage, each capped by
 * the cgroup (v2 or v1) this process runs in. Nothing here throws for a missing or odd cgroup file:
 * the value falls back to the host's and a warning says why.
 *
 * @example
 * const r = await detectHostResources({ storagePath: '/var/lib/weft' });
 * // { cpuMillicores: 16000, memoryBytes: 135148564480, ephemeralStorageBytes: 270553174016, warnings: [] }
 */
export async function detectHostResources(opts: HostResourceOptions = {}): Promise<HostResources> {
  const readText = opts.readText ?? readTextDefault;
  const root = opts.cgroupRoot ?? '/sys/fs/cgroup';
  const warnings: string[] = [];
  const membership = parseProcSelfCgroup((await readText('/proc/self/cgroup')) ?? '');
  const probe = { readText, root, membership, warnings };
  const hostCpu = (opts.cpuCount ?? cpuCountDefault)() * 1000;
  const hostMemory = (opts.totalMemory ?? totalmem)();
  const [memCaps, cpuCaps, ephemeralStorageBytes] = await Promise.all([
    memoryLimits(probe),
    cpuLimits(probe),
    storageBytes(opts.storagePath ?? DEFAULT_STORAGE_PATH, opts.statfs ?? statfs, warnings),
  ]);
  const memoryBytes = capByLimits(hostMemory, memCaps);
  const cpuMillicores = capByLimits(hostCpu, cpuCaps);
  if (memoryBytes < hostMemory) warnings.push(`memory capped by cgroup limit: ${memoryBytes} of ${hostMemory} bytes`);
  if (cpuMillicores < hostCpu) warnings.push(`CPU capped by cgroup quota: ${cpuMillicores}m of ${hostCpu}m`);
  return { cpuMillicores, memoryBytes, ephemeralStorageBytes, warnings };
}

interface CgroupProbe {
  readText: (path: string) => Promise<string | undefined>;
  root: string;
  membership: CgroupMembership;
  warnings: string[];
}

/** Reads and parses a cgroup file; a parse failure becomes a warning, not an error. */
async function readLimit(p: CgroupProbe, path: string, parse: (text: string) => number | undefined): Promise<number | undefined> {
  const text = await p.readText(path);
  if (text === undefined) return undefined;
  try {
    return parse(text);
  } catch (err) {
    p.warnings.push(`${path}: ${(err as Error).message}; ignoring it`);
    return undefined;
  }
}

async function memoryLimits(p: CgroupProbe): Promise<Array<number | undefined>> {
  const v2 = cgroupDirs(p.root, p.membership.unified).map((d) => readLimit(p, `${d}/memory.max`, parseCgroupV2MemoryMax));
  const v1 = cgroupDirs(`${p.root}/memory`, p.membership.memory).map((d) => readLimit(p, `${d}/memory.limit_in_bytes`, parseCgroupV1MemoryLimit));
  return Promise.all([...v2, ...v1]);
}

async function cpuLimits(p: CgroupProbe): Promise<Array<number | undefined>> {
  const v2 = cgroupDirs(p.root, p.membership.unified).map((d) => readLimit(p, `${d}/cpu.max`, parseCgroupV2CpuMax));
  const v1 = cgroupDirs(`${p.root}/cpu`, p.membership.cpu).map(async (d) => {
    const period = await p.readText(`${d}/cpu.cfs_period_us`);
    return period === undefined ? undefined : readLimit(p, `${d}/cpu.cfs_quota_us`, (quota) => parseCgroupV1CpuQuota(quota, period));
  });
  return Promise.all([...v2, ...v1]);
}

/**
 * Size of the filesystem holding `path`. A path that does not exist yet (a state directory before
 * first start) is measured at its nearest existing ancestor.
 */
async function storageBytes(path: string, statfsFn: (p: string) => Promise<StatfsLike>, warnings: string[]): Promise<number> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const bytes = storageBytesFromStatfs(await statfsFn(p));
      if (p !== path) warnings.push(`ephemeral storage: ${path} does not exist; measured the filesystem of ${p}`);
      return bytes;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || p === dirname(p)) {
        warnings.push(`ephemeral storage: statfs ${p} failed (${(err as Error).message}); reporting 0 — set the storage path to a directory that exists`);
        return 0;
      }
    }
  }
}
