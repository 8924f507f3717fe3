import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { freePort } from '../../cluster/ports.js';
import { logTail, startProcess, waitReady, type ManagedProcess } from '../../cluster/process.js';
import { runGit } from '../git.js';
import type { RadicleForgeOptions } from '../radicle.js';
import type { RadPatch } from '../radicle-json.js';
import { forgeToolPath } from './binaries.js';

/** Options of {@link LocalRadicle.start}. */
export interface LocalRadicleOptions {
  /** State directory; a new temp dir (removed on stop) when omitted. */
  dir?: string;
  /** 64 hex digits: the key is derived from it (`RAD_KEYGEN_SEED`), so the identity is reproducible. */
  seed?: string;
  alias?: string;
  /** Also run `radicle-node` on a free loopback port (not needed for patches; it only announces). */
  node?: boolean;
  /** The process whose death stops the node; default: this process. */
  ownerPid?: number;
}

/**
 * A Radicle identity and storage (`RAD_HOME`) in a temp dir, with a key from `RAD_KEYGEN_SEED`, a
 * config that knows no seeds and connects nowhere, and optionally a `radicle-node` listening on
 * loopback only. The CLI writes patches and comments to the storage directly; no network is needed.
 */
export class LocalRadicle {
  private node: ManagedProcess | undefined;
  /** This identity's node id (`z6Mk…`) and DID (`did:key:z6Mk…`). */
  nid = '';
  did = '';

  private constructor(
    readonly dir: string,
    readonly passphrase: string,
    private readonly binDir: string,
    private readonly removeDirOnStop: boolean,
  ) {}

  /** `RAD_HOME` of this identity. */
  get radHome(): string {
    return join(this.dir, 'rad');
  }

  /** Options for a {@link RadicleForge} acting as this identity. */
  forgeOptions(): RadicleForgeOptions {
    return { radHome: this.radHome, passphrase: this.passphrase, binDir: this.binDir };
  }

  /** The environment `rad` and `git` (with git-remote-rad) need to act as this identity. Secret. */
  env(): Record<string, string> {
    return { RAD_HOME: this.radHome, RAD_PASSPHRASE: this.passphrase, PATH: `${this.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  }

  /** Creates the identity (and starts a node when asked). */
  static async start(opts: LocalRadicleOptions = {}): Promise<LocalRadicle> {
    const rad = forgeToolPath('rad');
    forgeToolPath('git-remote-rad');
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'weft-radicle-')));
    const r = new LocalRadicle(dir, randomBytes(12).toString('base64url'), dirname(rad), opts.dir === undefined);
    try {
      await mkdir(join(dir, 'home'), { recursive: true });
      const seed = opts.seed ?? randomBytes(32).toString('hex');
      if (!/^[0-9a-f]{64}$/i.test(seed)) throw new Error('LocalRadicle: seed must be 64 hex digits (RAD_KEYGEN_SEED)');
      await r.rad(['auth', '--alias', opts.alias ?? 'weft'], { RAD_KEYGEN_SEED: seed });
      const port = await freePort();
      await r.isolate(port);
      r.did = (await r.rad(['self', '--did'])).trim();
      r.nid = r.did.replace(/^did:key:/, '');
      if (opts.node) await r.startNode(port, opts.ownerPid);
      return r;
    } catch (err) {
      await r.stop().catch(() => undefined);
      throw err;
    }
  }

  /** Runs `rad` as this identity and returns its stdout; throws with stderr on failure. */
  async rad(args: string[], extraEnv: Record<string, string> = {}, cwd?: string): Promise<string> {
    const res = await execa(join(this.binDir, 'rad'), args, {
      env: { ...this.env(), HOME: join(this.dir, 'home'), GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1', ...extraEnv },
      cwd,
      reject: false,
      timeout: 60_000,
      stdin: 'ignore',
    });
    if (res.exitCode !== 0) throw new Error(`rad ${args.slice(0, 2).join(' ')} failed (exit ${res.exitCode}): ${res.stderr || res.stdout}`);
    return res.stdout;
  }

  /** A patch as `rad cob show` prints it (JSON). */
  async cobShow(rid: string, patchId: string): Promise<RadPatch> {
    return JSON.parse(await this.rad(['cob', 'show', '--repo', rid, '--type', 'xyz.radicle.patch', '--object', patchId, '--format', 'json'])) as RadPatch;
  }

  /** No seeds, no bootstrap connections, no relaying; listen on loopback only. */
  private async isolate(port: number): Promise<void> {
    const file = join(this.radHome, 'config.json');
    const cfg = JSON.parse(await readFile(file, 'utf8')) as { preferredSeeds?: unknown; node?: Record<string, unknown> };
    cfg.preferredSeeds = [];
    cfg.node = { ...cfg.node, listen: [`127.0.0.1:${port}`], peers: { type: 'static' }, connect: [], relay: 'never', externalAddresses: [] };
    await writeFile(file, JSON.stringify(cfg, null, 2));
  }

  private async startNode(port: number, ownerPid?: number): Promise<void> {
    const logFile = join(this.dir, 'radicle-node.log');
    this.node = startProcess({
      name: 'radicle-node',
      command: join(this.binDir, 'radicle-node'),
      args: ['--listen', `127.0.0.1:${port}`],
      logFile,
      env: { ...process.env, ...this.env(), HOME: join(this.dir, 'home') },
      ownerPid,
    });
    // `rad node status` exits 0 even when stopped: the control socket is the readiness signal.
    await waitReady(this.node, 30_000, async () => existsSync(join(this.radHome, 'node', 'control.sock')));
  }

  /** The node's log tail (empty when no node runs). */
  nodeLogTail(lines = 30): string {
    return this.node ? logTail(this.node.logFile, lines) : '';
  }

  /**
   * Creates a repository with one commit on `main` and publishes it with `rad init`; returns its
   * RID and the working copy (whose `rad` remote pushes branches and patches).
   */
  async createRepo(name: string): Promise<{ rid: string; workdir: string }> {
    const workdir = join(this.dir, 'work', name);
    await mkdir(workdir, { recursive: true });
    const env = { ...this.env(), GIT_AUTHOR_NAME: 'weft', GIT_AUTHOR_EMAIL: 'weft@example.invalid', GIT_COMMITTER_NAME: 'weft', GIT_COMMITTER_EMAIL: 'weft@example.invalid' };
    await runGit(['init', '-q', '-b', 'main'], { cwd: workdir, env });
    await writeFile(join(workdir, 'README.md'), `# ${name}\n\nA Weft demo repository.\n`);
    await runGit(['add', '.'], { cwd: workdir, env });
    await runGit(['commit', '-q', '-m', 'Initial commit'], { cwd: workdir, env });
    await this.rad(['init', '--name', name, '--description', 'Weft demo', '--default-branch', 'main', '--public', '--no-confirm', '--no-seed'], {}, workdir);
    const rid = (await this.rad(['inspect', '--rid'], {}, workdir)).trim();
    return { rid, workdir };
  }

  /** Stops the node (if any) and removes the directory when it made it. */
  async stop(): Promise<void> {
    await this.node?.stop(5000);
    this.node = undefined;
    if (this.removeDirOnStop) await rm(this.dir, { recursive: true, force: true });
  }
}
