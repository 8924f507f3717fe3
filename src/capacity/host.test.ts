import { capByLimits, detectHostResources, storageBytesFromStatfs, type HostProbes, type StatfsLike } from './host.js';

const GiB = 2 ** 30;

/** Probes backed by an in-memory file map and a table of filesystems. */
function probes(files: Record<string, string>, filesystems: Record<string, StatfsLike> = { '/var/lib': { blocks: 1000, bsize: 4096 } }): HostProbes {
  return {
    readText: async (p) => files[p],
    statfs: async (p) => {
      const fs = filesystems[p];
      if (!fs) throw Object.assign(new Error(`ENOENT: no such file or directory, statfs '${p}'`), { code: 'ENOENT' });
      return fs;
    },
    cpuCount: () => 16,
    totalMemory: () => 128 * GiB,
  };
}

describe('storageBytesFromStatfs', () => {
  it('multiplies blocks by block size, numbers or bigints', () => {
    expect(storageBytesFromStatfs({ blocks: 66053021, bsize: 4096 })).toBe(270553174016);
    expect(storageBytesFromStatfs({ blocks: 66053021n, bsize: 4096n })).toBe(270553174016);
  });
});

describe('capByLimits', () => {
  it.each([
    [100, [], 100],
    [100, [undefined, 50, 70], 50],
    [100, [200], 100],
  ])('host %p limits %j → %p', (host, limits, want) => expect(capByLimits(host, limits)).toBe(want));
});

describe('detectHostResources', () => {
  it('reports the host when no cgroup limit applies', async () => {
    const r = await detectHostResources(probes({ '/proc/self/cgroup': '0::/user.slice\n', '/sys/fs/cgroup/user.slice/memory.max': 'max\n', '/sys/fs/cgroup/user.slice/cpu.max': 'max 100000\n' }));
    expect(r).toEqual({ cpuMillicores: 16000, memoryBytes: 128 * GiB, ephemeralStorageBytes: 4096000, warnings: [] });
  });

  it('caps memory and CPU by the cgroup v2 limits of the process and its ancestors', async () => {
    const r = await detectHostResources(
      probes({
        '/proc/self/cgroup': '0::/kubepods/pod1/ctr\n',
        '/sys/fs/cgroup/kubepods/pod1/ctr/memory.max': 'max\n',
        '/sys/fs/cgroup/kubepods/pod1/memory.max': `${8 * GiB}\n`,
        '/sys/fs/cgroup/kubepods/memory.max': `${64 * GiB}\n`,
        '/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max': '250000 100000\n',
      }),
    );
    expect(r.memoryBytes).toBe(8 * GiB);
    expect(r.cpuMillicores).toBe(2500);
    expect(r.warnings).toEqual([`memory capped by cgroup limit: ${8 * GiB} of ${128 * GiB} bytes`, 'CPU capped by cgroup quota: 2500m of 16000m']);
  });

  it('finds a limit set on a parent cgroup (layout recorded on the H100 test machine) and ignores it when above RAM', async () => {
    // /proc/self/cgroup said 0::/process_api/f316…; the process's own memory.max was "max", its
    // parent's 137438953472 (128 GiB, above the 135148564480 bytes of RAM); the root has no files.
    const ram = 135148564480;
    const files = {
      '/proc/self/cgroup': '0::/process_api/f316108c009c2517da725ee152d733ed\n',
      '/sys/fs/cgroup/process_api/f316108c009c2517da725ee152d733ed/memory.max': 'max\n',
      '/sys/fs/cgroup/process_api/memory.max': '137438953472\n',
      '/sys/fs/cgroup/process_api/cpu.max': 'max 100000\n',
    };
    const r = await detectHostResources({ ...probes(files), totalMemory: () => ram });
    expect(r).toMatchObject({ memoryBytes: ram, cpuMillicores: 16000, warnings: [] });
    const tighter = await detectHostResources({ ...probes({ ...files, '/sys/fs/cgroup/process_api/memory.max': `${64 * GiB}\n` }), totalMemory: () => ram });
    expect(tighter.memoryBytes).toBe(64 * GiB);
  });

  it('reads /sys/fs/cgroup/memory.max inside a cgroup namespace (the path is "/")', async () => {
    const r = await detectHostResources(probes({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': '4294967296\n' }));
    expect(r.memoryBytes).toBe(4 * GiB);
  });

  it('caps by cgroup v1 memory.limit_in_bytes and CFS quota, ignoring the "unlimited" value', async () => {
    const r = await detectHostResources(
      probes({
        '/proc/self/cgroup': '12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n',
        '/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': '2147483648\n',
        '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
        '/sys/fs/cgroup/cpu/docker/abc/cpu.cfs_quota_us': '150000\n',
        '/sys/fs/cgroup/cpu/docker/abc/cpu.cfs_period_us': '100000\n',
      }),
    );
    expect(r.memoryBytes).toBe(2 * GiB);
    expect(r.cpuMillicores).toBe(1500);
  });

  it('ignores a malformed cgroup file with a warning naming it', async () => {
    const r = await detectHostResources(probes({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': 'lots\n' }));
    expect(r.memoryBytes).toBe(128 * GiB);
    expect(r.warnings).toEqual(['/sys/fs/cgroup/memory.max: cannot parse memory.max: "lots\\n" (expected "max" or a byte count); ignoring it']);
  });

  it('measures the nearest existing ancestor of a storage path that does not exist yet', async () => {
    const r = await detectHostResources({ ...probes({}, { '/var': { blocks: 10, bsize: 1024 } }), storagePath: '/var/lib/weft/state' });
    expect(r.ephemeralStorageBytes).toBe(10240);
    expect(r.warnings).toEqual(['ephemeral storage: /var/lib/weft/state does not exist; measured the filesystem of /var']);
  });

  it('reports 0 ephemeral storage with a warning when statfs fails for another reason', async () => {
    const base = probes({});
    const r = await detectHostResources({
      ...base,
      statfs: async () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    });
    expect(r.ephemeralStorageBytes).toBe(0);
    expect(r.warnings[0]).toMatch(/statfs \/var\/lib failed \(EACCES: permission denied\); reporting 0/);
  });

  it('works against this machine (smoke test of the real probes)', async () => {
    const r = await detectHostResources({ storagePath: process.cwd() });
    expect(r.cpuMillicores).toBeGreaterThanOrEqual(1000);
    expect(r.memoryBytes).toBeGreaterThan(0);
    expect(r.ephemeralStorageBytes).toBeGreaterThan(0);
  });
});
