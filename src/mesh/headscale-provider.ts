import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { toolPath } from '../cluster/tools.js';
import type { HeadscaleNodeJson } from './local.js';
import { deviceByIp, type MeshDevice, type MeshProvider } from './provider.js';
import { metaTime } from '../api/common/conditions.js';

/** Converts `headscale nodes list -o json` entries (pure; tested on recorded output). */
export function toMeshDevices(nodes: HeadscaleNodeJson[]): MeshDevice[] {
  return nodes
    .map((n) => {
      const tagged = (n.tags ?? []).length > 0;
      const secs = Number(n.last_seen?.seconds ?? 0);
      return {
        id: String(n.id),
        name: n.given_name || n.name,
        ips: n.ip_addresses ?? [],
        user: tagged ? '' : (n.user?.name ?? ''),
        tags: [...(n.tags ?? [])].sort(),
        online: Boolean(n.online),
        ...(secs > 0 ? { lastSeen: metaTime(new Date(secs * 1000)) } : {}),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface HeadscaleProviderOptions {
  /** headscale's config file (the CLI talks to the server over its unix socket). */
  configPath: string;
  /** The HuJSON policy file headscale runs with (policy.mode: file). */
  policyPath: string;
  /** A device list is reused for this long (default 1 s): whois on every request stays cheap. */
  cacheMs?: number;
}

/** A real Headscale, read through its CLI (`headscale -c CONFIG nodes list -o json`). */
export class HeadscaleProvider implements MeshProvider {
  readonly kind = 'headscale' as const;
  private cache: { at: number; devices: MeshDevice[] } | undefined;

  constructor(private readonly o: HeadscaleProviderOptions) {}

  async listDevices(): Promise<MeshDevice[]> {
    if (this.cache && Date.now() - this.cache.at < (this.o.cacheMs ?? 1000)) return this.cache.devices;
    const r = await execa(toolPath('headscale'), ['-c', this.o.configPath, 'nodes', 'list', '-o', 'json'], { reject: false, timeout: 15_000 });
    if (r.exitCode !== 0) throw new Error(`headscale unreachable: ${(String(r.stderr) || String(r.stdout)).trim().split('\n').pop()}`);
    const devices = toMeshDevices((JSON.parse(String(r.stdout) || '[]') as HeadscaleNodeJson[] | null) ?? []);
    this.cache = { at: Date.now(), devices };
    return devices;
  }

  async whois(ip: string): Promise<MeshDevice | undefined> {
    return deviceByIp(await this.listDevices(), ip);
  }

  policy(): Promise<string> {
    return readFile(this.o.policyPath, 'utf8');
  }
}
