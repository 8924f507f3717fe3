import { join } from 'node:path';
import { execa } from 'execa';
import {
  clusterCreateArgs,
  clusterDestroyArgs,
  genConfigArgs,
  healthArgs,
  kubeconfigArgs,
  type ClusterCreateOptions,
  type ClusterDestroyOptions,
  type GenConfigOptions,
  type HealthOptions,
  type KubeconfigOptions,
} from './args.js';
import { TalosctlError, classifyTalosctlFailure } from './errors.js';
import { parseClusterCreate, parseGenConfig, parseHealth, parseVersion, type ClusterCreateReport, type HealthReport, type TalosVersion } from './parse.js';

/** What one talosctl run returned. `all` is stdout and stderr interleaved as written. */
export interface TalosctlRunResult {
  exitCode?: number;
  stdout: string;
  stderr: string;
  all: string;
  notFound?: boolean;
  timedOut?: boolean;
  errorMessage?: string;
}

/** Runs talosctl; injectable so that the wrappers are tested without the binary. */
export type TalosctlRunner = (bin: string, args: readonly string[], opts: { timeoutMs: number; env?: NodeJS.ProcessEnv }) => Promise<TalosctlRunResult>;

/** The default runner: execa without a shell, never rejecting, killed at the timeout. */
export const execaTalosctlRunner: TalosctlRunner = async (bin, args, { timeoutMs, env }) => {
  const r = await execa(bin, args, { reject: false, timeout: timeoutMs, all: true, stdin: 'ignore', env, extendEnv: true });
  return {
    exitCode: r.exitCode,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    all: String(r.all ?? ''),
    notFound: r.code === 'ENOENT',
    timedOut: r.timedOut,
    errorMessage: r.failed && r.exitCode === undefined ? (r.originalMessage ?? r.shortMessage) : undefined,
  };
};

/** Options of {@link Talosctl}. */
export interface TalosctlOptions {
  /** The talosctl executable: default `$WEFT_TALOSCTL`, else `talosctl` on PATH. */
  bin?: string;
  run?: TalosctlRunner;
  /** Extra environment for every run (e.g. `TALOSCONFIG`, `HOME`). */
  env?: NodeJS.ProcessEnv;
  /** Timeout of the quick commands (version, gen config, kubeconfig, destroy); default 2 min. */
  timeoutMs?: number;
}

/** The three files `gen config` writes. */
export interface GeneratedConfig {
  controlplane: string;
  worker: string;
  talosconfig: string;
}

/** `cluster create`'s report plus where its talosconfig is. */
export interface CreatedCluster extends ClusterCreateReport {
  talosconfig: string;
}

/** `health`'s result: the parsed report, and the typed failure when talosctl exited non-zero. */
export type HealthResult = HealthReport & { failure?: TalosctlError };

const MINUTE = 60_000;

/**
 * Typed wrappers over the talosctl v1.13 commands Weft's Talos provider runs. Every failure is a
 * {@link TalosctlError} (command, exit code, stderr, reason, hint), except where a method says it
 * returns the failure as a result.
 *
 * @example
 * const t = new Talosctl();
 * await t.clusterCreate({ name: 'acme-edge', stateDir, talosconfig });
 * await t.kubeconfig({ talosconfig, dest, node: '10.5.0.2' });
 * const health = await t.health({ talosconfig, waitTimeoutMs: 60_000 });
 */
export class Talosctl {
  readonly bin: string;
  private readonly runner: TalosctlRunner;

  constructor(private readonly opts: TalosctlOptions = {}) {
    this.bin = opts.bin ?? (process.env.WEFT_TALOSCTL || 'talosctl');
    this.runner = opts.run ?? execaTalosctlRunner;
  }

  /** Runs talosctl and returns the result; throws TalosctlError on a non-zero exit. */
  async exec(args: readonly string[], timeoutMs = this.opts.timeoutMs ?? 2 * MINUTE): Promise<TalosctlRunResult> {
    const r = await this.runner(this.bin, args, { timeoutMs, env: this.opts.env });
    if (r.exitCode !== 0 || r.notFound || r.timedOut) throw this.error(args, r, timeoutMs);
    return r;
  }

  private error(args: readonly string[], r: TalosctlRunResult, timeoutMs: number): TalosctlError {
    const { reason, hint } = classifyTalosctlFailure({ ...r, timeoutMs });
    const stderr = r.stderr || r.errorMessage || '';
    return new TalosctlError({ command: commandOf(args), args, exitCode: r.exitCode, stderr, reason, hint });
  }

  /** `talosctl version --client`: the client's release (e.g. to check it is v1.13.x). */
  async version(): Promise<TalosVersion> {
    const r = await this.exec(['version', '--client']);
    return parseVersion(r.stdout);
  }

  /** `talosctl gen config`: writes controlplane.yaml, worker.yaml and talosconfig into `outputDir`. */
  async genConfig(o: GenConfigOptions): Promise<GeneratedConfig> {
    const r = await this.exec(genConfigArgs(o));
    const created = parseGenConfig(r.stderr);
    const pick = (file: string) => created.find((p) => p.endsWith(`/${file}`) || p === file) ?? join(o.outputDir, file);
    return { controlplane: pick('controlplane.yaml'), worker: pick('worker.yaml'), talosconfig: pick('talosconfig') };
  }

  /**
   * `talosctl cluster create --provisioner qemu`: boots the VMs, bootstraps, waits until healthy and
   * writes the talosconfig. Takes minutes; the run is killed after the wait timeout plus 10 min.
   */
  async clusterCreate(o: ClusterCreateOptions): Promise<CreatedCluster> {
    const r = await this.exec(clusterCreateArgs(o), (o.waitTimeoutMs ?? 20 * MINUTE) + 10 * MINUTE);
    return { ...parseClusterCreate(r.all || `${r.stderr}\n${r.stdout}`), talosconfig: o.talosconfig };
  }

  /** `talosctl kubeconfig`: writes the cluster's admin kubeconfig to `dest` and returns that path. */
  async kubeconfig(o: KubeconfigOptions): Promise<string> {
    await this.exec(kubeconfigArgs(o));
    return o.dest;
  }

  /**
   * `talosctl health`: runs the cluster checks. An unhealthy or unreachable cluster is a result
   * (`ok: false`, the checks so far, `error` with the hint), not an exception; only a talosctl that
   * cannot run, or a command line it rejects, throws.
   */
  async health(o: HealthOptions): Promise<HealthResult> {
    const args = healthArgs(o);
    try {
      const r = await this.exec(args, (o.waitTimeoutMs ?? 2 * MINUTE) + MINUTE);
      return parseHealth(r.stderr);
    } catch (err) {
      if (!(err instanceof TalosctlError) || ['not-installed', 'not-executable', 'usage'].includes(err.reason)) throw err;
      const report = parseHealth(err.stderr);
      return { ...report, ok: false, error: report.error ?? err.message, failure: err };
    }
  }

  /**
   * `talosctl cluster destroy --provisioner qemu`. Idempotent: a cluster that is already gone
   * returns `{ destroyed: false }`.
   */
  async clusterDestroy(o: ClusterDestroyOptions): Promise<{ destroyed: boolean }> {
    try {
      await this.exec(clusterDestroyArgs(o));
      return { destroyed: true };
    } catch (err) {
      if (err instanceof TalosctlError && err.reason === 'cluster-not-found') return { destroyed: false };
      throw err;
    }
  }
}

/** The subcommand words of an argument list: `['cluster', 'create', '--name', …]` → `cluster create`. */
export function commandOf(args: readonly string[]): string {
  const words: string[] = [];
  for (const a of args) {
    if (a.startsWith('-')) break;
    words.push(a);
    if (words.length === 2 || !['cluster', 'gen'].includes(words[0]!)) break;
  }
  return words.join(' ');
}
