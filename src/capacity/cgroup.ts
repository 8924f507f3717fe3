/**
 * Pure parsers for the Linux cgroup files that cap what a process may use. A container or systemd
 * unit usually sees the host's whole `os.totalmem()` and every CPU, while its cgroup allows far less;
 * reporting the host's numbers would let the scheduler overcommit the node.
 */

/** Raised when a cgroup file does not hold what the kernel documents; names the file and the content. */
export class CgroupParseError extends Error {
  override name = 'CgroupParseError';
  constructor(
    readonly file: string,
    readonly content: string,
    expected: string,
  ) {
    super(`cannot parse ${file}: ${JSON.stringify(content.slice(0, 80))} (expected ${expected})`);
  }
}

/**
 * cgroup v1 reports "no limit" as PAGE_COUNTER_MAX rounded to the page size (9223372036854771712 on
 * 4 KiB pages); anything at or above 2^60 bytes (1 EiB) is treated as unlimited.
 */
const V1_UNLIMITED = 2n ** 60n;

function parseBytes(file: string, raw: string, expected: string): bigint {
  const text = raw.trim();
  if (!/^\d+$/.test(text)) throw new CgroupParseError(file, raw, expected);
  return BigInt(text);
}

const toLimit = (bytes: bigint): number | undefined => (bytes >= V1_UNLIMITED ? undefined : Number(bytes));

/**
 * Parses cgroup v2 `memory.max`: `max` (no limit → `undefined`) or a byte count.
 *
 * @example parseCgroupV2MemoryMax('8589934592\n') // 8589934592
 */
export function parseCgroupV2MemoryMax(text: string): number | undefined {
  if (text.trim() === 'max') return undefined;
  return toLimit(parseBytes('memory.max', text, '"max" or a byte count'));
}

/**
 * Parses cgroup v1 `memory.limit_in_bytes`: a byte count, where the kernel's "unlimited" value
 * (≥ 2^60) and `-1` (some runtimes write it) mean no limit.
 */
export function parseCgroupV1MemoryLimit(text: string): number | undefined {
  if (text.trim() === '-1') return undefined;
  return toLimit(parseBytes('memory.limit_in_bytes', text, 'a byte count'));
}

/**
 * Parses cgroup v2 `cpu.max` (`$QUOTA $PERIOD` in µs, quota `max` = unlimited) into millicores,
 * rounded down so capacity never overstates: `150000 100000` → 1500.
 */
export function parseCgroupV2CpuMax(text: string): number | undefined {
  const m = /^(max|\d+)(?:\s+(\d+))?$/.exec(text.trim());
  if (!m) throw new CgroupParseError('cpu.max', text, '"$QUOTA $PERIOD", e.g. "max 100000" or "150000 100000"');
  if (m[1] === 'max') return undefined;
  return quotaMillicores('cpu.max', text, Number(m[1]), Number(m[2] ?? 100_000));
}

/**
 * Parses cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` into millicores (`-1` quota = unlimited).
 */
export function parseCgroupV1CpuQuota(quotaText: string, periodText: string): number | undefined {
  const quota = quotaText.trim();
  if (quota === '-1') return undefined;
  if (!/^\d+$/.test(quota)) throw new CgroupParseError('cpu.cfs_quota_us', quotaText, '-1 or microseconds');
  const period = periodText.trim();
  if (!/^\d+$/.test(period)) throw new CgroupParseError('cpu.cfs_period_us', periodText, 'microseconds');
  return quotaMillicores('cpu.cfs_quota_us', quotaText, Number(quota), Number(period));
}

function quotaMillicores(file: string, text: string, quota: number, period: number): number {
  if (period <= 0) throw new CgroupParseError(file, text, 'a period above 0');
  return Math.floor((quota * 1000) / period);
}

/** Where this process sits in the cgroup hierarchies, from `/proc/self/cgroup`. */
export interface CgroupMembership {
  /** The unified (v2) hierarchy path, from the `0::/path` line. */
  unified?: string;
  /** The v1 `memory` controller's path. */
  memory?: string;
  /** The v1 `cpu` controller's path (listed as `cpu,cpuacct` on most systems). */
  cpu?: string;
}

/**
 * Parses `/proc/self/cgroup` (`hierarchy-ID:controller-list:path` per line).
 *
 * @example parseProcSelfCgroup('0::/system.slice/weft-agent.service\n') // { unified: '/system.slice/weft-agent.service' }
 */
export function parseProcSelfCgroup(text: string): CgroupMembership {
  const out: CgroupMembership = {};
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(\/.*)$/.exec(line.trim());
    if (!m) continue;
    const controllers = m[2]!.split(',');
    const path = m[3]!;
    if (m[1] === '0' && m[2] === '') out.unified = path;
    if (controllers.includes('memory')) out.memory = path;
    if (controllers.includes('cpu')) out.cpu = path;
  }
  return out;
}

/**
 * The directories whose limits apply to a process in cgroup `path` under `mount`: its own and every
 * ancestor's, since a parent's limit caps its children too.
 *
 * @example cgroupDirs('/sys/fs/cgroup', '/a/b') // ['/sys/fs/cgroup/a/b', '/sys/fs/cgroup/a', '/sys/fs/cgroup']
 */
export function cgroupDirs(mount: string, path = '/'): string[] {
  const parts = path.split('/').filter(Boolean);
  const dirs: string[] = [];
  for (let i = parts.length; i >= 0; i--) dirs.push([mount, ...parts.slice(0, i)].join('/'));
  return dirs;
}
