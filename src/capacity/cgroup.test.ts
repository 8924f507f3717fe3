import {
  CgroupParseError,
  cgroupDirs,
  parseCgroupV1CpuQuota,
  parseCgroupV1MemoryLimit,
  parseCgroupV2CpuMax,
  parseCgroupV2MemoryMax,
  parseProcSelfCgroup,
} from './cgroup.js';

describe('parseCgroupV2MemoryMax', () => {
  it.each([
    ['max\n', undefined],
    ['max', undefined],
    ['8589934592\n', 8589934592],
    ['  1073741824  ', 1073741824],
    ['0\n', 0],
  ])('%j → %p', (text, want) => expect(parseCgroupV2MemoryMax(text)).toBe(want));

  it.each(['', 'unlimited', '-1', '8G', '1.5e9', 'max max'])('rejects %j, naming the file and the content', (text) => {
    expect(() => parseCgroupV2MemoryMax(text)).toThrow(CgroupParseError);
    expect(() => parseCgroupV2MemoryMax(text)).toThrow(/cannot parse memory\.max: .* \(expected "max" or a byte count\)/);
  });
});

describe('parseCgroupV1MemoryLimit', () => {
  it.each([
    ['9223372036854771712\n', undefined], // PAGE_COUNTER_MAX on 4 KiB pages: no limit
    ['9223372036854775807', undefined],
    ['-1', undefined],
    ['2147483648\n', 2147483648],
  ])('%j → %p', (text, want) => expect(parseCgroupV1MemoryLimit(text)).toBe(want));

  it.each(['', 'max', '2G'])('rejects %j', (text) => expect(() => parseCgroupV1MemoryLimit(text)).toThrow(/memory\.limit_in_bytes/));
});

describe('parseCgroupV2CpuMax', () => {
  it.each([
    ['max 100000\n', undefined],
    ['max', undefined],
    ['200000 100000\n', 2000],
    ['150000 100000', 1500],
    ['50000 100000', 500],
    ['33333 100000', 333], // rounded down: never overstate
    ['100000', 1000], // period defaults to 100 ms
  ])('%j → %p', (text, want) => expect(parseCgroupV2CpuMax(text)).toBe(want));

  it.each(['', '2 cpus', '100000 0', '-1 100000'])('rejects %j', (text) => expect(() => parseCgroupV2CpuMax(text)).toThrow(CgroupParseError));
});

describe('parseCgroupV1CpuQuota', () => {
  it.each([
    ['-1\n', '100000\n', undefined],
    ['250000\n', '100000\n', 2500],
    ['50000', '50000', 1000],
  ])('quota %j period %j → %p', (q, p, want) => expect(parseCgroupV1CpuQuota(q, p)).toBe(want));

  it('rejects a malformed quota or period', () => {
    expect(() => parseCgroupV1CpuQuota('lots', '100000')).toThrow(/cpu\.cfs_quota_us/);
    expect(() => parseCgroupV1CpuQuota('100000', '')).toThrow(/cpu\.cfs_period_us/);
    expect(() => parseCgroupV1CpuQuota('100000', '0')).toThrow(/a period above 0/);
  });
});

describe('parseProcSelfCgroup', () => {
  it.each([
    ['cgroup v2 (unified)', '0::/system.slice/weft-agent.service\n', { unified: '/system.slice/weft-agent.service' }],
    ['cgroup v2 in a cgroup namespace', '0::/\n', { unified: '/' }],
    [
      'cgroup v1 (docker)',
      '12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/docker/abc\n',
      { memory: '/docker/abc', cpu: '/docker/abc', unified: '/docker/abc' },
    ],
    ['empty', '', {}],
    ['garbage lines are skipped', 'hello\n3:cpuset:relative\n', {}],
  ])('%s', (_name, text, want) => expect(parseProcSelfCgroup(text)).toEqual(want));
});

describe('cgroupDirs', () => {
  it.each([
    ['/a/b', ['/sys/fs/cgroup/a/b', '/sys/fs/cgroup/a', '/sys/fs/cgroup']],
    ['/', ['/sys/fs/cgroup']],
    [undefined, ['/sys/fs/cgroup']],
  ])('%p → own directory and ancestors', (path, want) => expect(cgroupDirs('/sys/fs/cgroup', path)).toEqual(want));
});
