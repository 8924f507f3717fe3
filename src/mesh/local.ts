import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePorts } from '../cluster/ports.js';
import { startProcess, waitReady, type ManagedProcess } from '../cluster/process.js';
import { httpGet } from '../cluster/probe.js';
import { toolPath } from '../cluster/tools.js';
import { headscaleConfig, tailscaledEnv } from './headscale-config.js';

export interface LocalMeshOptions {
  dir?: string;
  /** HuJSON policy; omitted = allow-all. */
  policy?: string;
  ownerPid?: number;
  onProgress?: (step: string) => void;
  startTimeoutMs?: number;
}

/** A device to join: tagged (via a tagged pre-auth key) or owned by a user. */
export interface JoinSpec {
  name: string;
  tags?: string[];
  /** Owning user for an untagged device (created if missing). */
  user?: string;
}

/** A joined tailscaled in userspace-networking mode. */
export interface TailnetDevice {
  name: string;
  socket: string;
  /** Loopback SOCKS5 proxy into the tailnet (the host itself never dials 100.64.0.0/10). */
  socksPort: number;
  httpProxyPort: number;
  ipv4: string;
  ipv6: string;
  process: ManagedProcess;
}

/** Raw device as `headscale nodes list -o json` prints it (the fields we use). */
export interface HeadscaleNodeJson {
  id: number | string;
  name: string;
  given_name?: string;
  ip_addresses?: string[];
  user?: { id?: number | string; name?: string };
  online?: boolean;
  tags?: string[];
  last_seen?: { seconds?: number | string; nanos?: number };
}

/** What a LocalMesh holds: where its state and config are, its Headscale server and process. */
interface MeshHandle {
  dir: string;
  /** Headscale's URL (http://127.0.0.1:<port>). */
  url: string;
  configPath: string;
  policyPath: string;
  hs: ManagedProcess;
  opts: LocalMeshOptions;
  /** Remove `dir` on stop (it was made by start()). */
  removeDir: boolean;
}

/**
 * A real Headscale tailnet on loopback: Headscale (SQLite, embedded DERP, a policy file) plus
 * tailscaled instances in userspace-networking mode that join it with pre-auth keys. Used by the
 * tests and by `weft up --mesh=headscale`.
 */
export class LocalMesh {
  readonly devices: TailnetDevice[] = [];
  readonly dir: string;
  readonly url: string;
  readonly configPath: string;
  readonly policyPath: string;
  private hs: ManagedProcess;
  private readonly opts: LocalMeshOptions;
  private readonly removeDir: boolean;

  private constructor(h: MeshHandle) {
    this.dir = h.dir;
    this.url = h.url;
    this.configPath = h.configPath;
    this.policyPath = h.policyPath;
    this.hs = h.hs;
    this.opts = h.opts;
    this.removeDir = h.removeDir;
  }

  static async start(opts: LocalMeshOptions = {}): Promise<LocalMesh> {
    const progress = opts.onProgress ?? (() => {});
    const bin = toolPath('headscale');
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'weft-mesh-')));
    await mkdir(dir, { recursive: true });
    const [httpPort, metricsPort, grpcPort, stunPort] = (await freePorts(4)) as [number, number, number, number];
    const policyPath = join(dir, 'policy.hujson');
    await writeFile(policyPath, opts.policy ?? ALLOW_ALL);
    const configPath = join(dir, 'config.yaml');
    await writeFile(configPath, headscaleConfig({ dir, httpPort, metricsPort, grpcPort, stunPort, policyPath }));
    progress(`starting headscale on 127.0.0.1:${httpPort}`);
    const hs = startProcess({ name: 'headscale', command: bin, args: ['serve', '-c', configPath], logFile: join(dir, 'headscale.log'), ownerPid: opts.ownerPid });
    const url = `http://127.0.0.1:${httpPort}`;
    try {
      await waitReady(hs, opts.startTimeoutMs ?? 60_000, () => healthy(url));
    } catch (err) {
      await hs.stop();
      throw err;
    }
    return new LocalMesh({ dir, url, configPath, policyPath, hs, opts, removeDir: opts.dir === undefined });
  }

  /** Runs the headscale CLI against this server (JSON output parsed). */
  async cli<T = unknown>(args: string[]): Promise<T> {
    const r = await execa(toolPath('headscale'), ['-c', this.configPath, ...args, '-o', 'json'], { reject: false, timeout: 30_000 });
    if (r.exitCode !== 0) throw new Error(`headscale ${args.join(' ')} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
    return (r.stdout.trim() ? JSON.parse(r.stdout) : undefined) as T;
  }

  /** Creates a user if missing and returns its id. */
  async ensureUser(name: string): Promise<string> {
    const users = (await this.cli<Array<{ id: number | string; name: string }>>(['users', 'list'])) ?? [];
    const found = users.find((u) => u.name === name);
    if (found) return String(found.id);
    const created = await this.cli<{ id: number | string }>(['users', 'create', name]);
    return String(created.id);
  }

  /** A single-use pre-auth key: tagged (no user) or for a user. */
  async preAuthKey(spec: { tags?: string[]; user?: string; reusable?: boolean; ephemeral?: boolean }): Promise<string> {
    const args = ['preauthkeys', 'create', '-e', '1h'];
    if (spec.tags?.length) args.push('--tags', spec.tags.join(','));
    else if (spec.user) args.push('-u', await this.ensureUser(spec.user));
    else throw new Error('a pre-auth key needs tags or a user');
    if (spec.reusable) args.push('--reusable');
    if (spec.ephemeral) args.push('--ephemeral');
    return (await this.cli<{ key: string }>(args)).key;
  }

  /** Starts a tailscaled and joins it to the tailnet; resolves once it has its tailnet IPs. */
  async join(spec: JoinSpec): Promise<TailnetDevice> {
    const state = join(this.dir, 'devices', spec.name);
    await mkdir(state, { recursive: true });
    const [socksPort, httpProxyPort] = (await freePorts(2)) as [number, number];
    const socket = join(state, 'tailscaled.sock');
    const proc = startProcess({
      name: `tailscaled-${spec.name}`,
      command: toolPath('tailscaled'),
      args: [
        '--tun=userspace-networking',
        `--statedir=${state}`,
        `--socket=${socket}`,
        '--port=0',
        `--socks5-server=127.0.0.1:${socksPort}`,
        `--outbound-http-proxy-listen=127.0.0.1:${httpProxyPort}`,
      ],
      env: { ...process.env, ...tailscaledEnv(state) },
      logFile: join(state, 'tailscaled.log'),
      ownerPid: this.opts.ownerPid,
    });
    try {
      const key = await this.preAuthKey({ tags: spec.tags, user: spec.user ?? (spec.tags?.length ? undefined : 'default') });
      await this.tailscale(socket, ['up', '--reset', `--login-server=${this.url}`, `--auth-key=${key}`, `--hostname=${spec.name}`, '--accept-dns=false', '--timeout=60s']);
      const ips = (await this.tailscale(socket, ['ip'])).split('\n').filter(Boolean);
      const device: TailnetDevice = {
        name: spec.name,
        socket,
        socksPort,
        httpProxyPort,
        ipv4: ips.find((i) => i.includes('.')) ?? '',
        ipv6: ips.find((i) => i.includes(':')) ?? '',
        process: proc,
      };
      this.devices.push(device);
      return device;
    } catch (err) {
      await proc.stop();
      throw err;
    }
  }

  /** Runs the tailscale CLI against one device's socket. */
  async tailscale(socket: string, args: string[]): Promise<string> {
    const r = await execa(toolPath('tailscale'), [`--socket=${socket}`, ...args], { reject: false, timeout: 90_000 });
    if (r.exitCode !== 0) throw new Error(`tailscale ${args[0]} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
    return r.stdout.trim();
  }

  /** Every device Headscale knows, as its CLI reports them. */
  async nodes(): Promise<HeadscaleNodeJson[]> {
    return (await this.cli<HeadscaleNodeJson[]>(['nodes', 'list'])) ?? [];
  }

  /** Stops one device's tailscaled (it goes offline in Headscale). */
  async stopDevice(name: string): Promise<void> {
    const i = this.devices.findIndex((d) => d.name === name);
    if (i < 0) return;
    await this.devices[i]!.process.stop();
    this.devices.splice(i, 1);
  }

  /** Stops only Headscale (devices keep running): for tests of control-plane outages. */
  async stopHeadscale(): Promise<void> {
    await this.hs.stop();
  }

  /** Starts Headscale again with the same config and database; devices reconnect by themselves. */
  async startHeadscale(timeoutMs = 60_000): Promise<void> {
    this.hs = startProcess({ name: 'headscale', command: toolPath('headscale'), args: ['serve', '-c', this.configPath], logFile: join(this.dir, 'headscale.log'), ownerPid: this.opts.ownerPid });
    await waitReady(this.hs, timeoutMs, () => healthy(this.url));
  }

  /** Replaces the policy file and tells Headscale to reload it (SIGHUP). */
  async setPolicy(text: string): Promise<void> {
    await writeFile(this.policyPath, text);
    process.kill(-this.hs.pgid, 'SIGHUP');
  }

  /** Stops every tailscaled and Headscale. */
  async stop(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.process.stop()));
    this.devices.length = 0;
    await this.hs.stop();
    if (this.removeDir) await rm(this.dir, { recursive: true, force: true });
  }
}

const healthy = async (url: string) => (await httpGet(`${url}/health`, 1000)).status === 200;

const ALLOW_ALL = `{
  // allow-all: every device may reach every other on every port
  "acls": [{ "action": "accept", "src": ["*"], "dst": ["*:*"] }],
}
`;
