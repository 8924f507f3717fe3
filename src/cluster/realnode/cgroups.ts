import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Mount points of every cgroup hierarchy (v1 controllers and the unified v2 one). */
export function cgroupHierarchies(mounts = readFileSync('/proc/self/mounts', 'utf8')): string[] {
  return mounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2')
    .map((f) => f[1]!);
}

/**
 * Creates the node's cgroup root (e.g. `/weft-node-0`) in every hierarchy: the kubelet refuses a
 * `cgroupRoot` that does not exist. A new v1 cpuset starts with no CPUs and no memory nodes, so
 * those are copied from the parent.
 */
export async function createCgroupRoot(name: string): Promise<void> {
  for (const h of cgroupHierarchies()) {
    const dir = join(h, name);
    await mkdir(dir, { recursive: true });
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (!existsSync(join(h, f))) continue;
      const current = (await readFile(join(dir, f), 'utf8')).trim();
      if (current === '') await writeFile(join(dir, f), await readFile(join(h, f), 'utf8'));
    }
  }
}
