import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { basicAuth, gitAuthEnv, runGit } from '../../../forge/git.js';
import { RadicleForge, type RadicleForgeOptions } from '../../../forge/radicle.js';
import { KeyedLock } from '../../../runtime/keyed-lock.js';
import { GatewayError } from '../errors.js';
import type { TaskKey } from '../identity.js';
import { TASK_BRANCH_PREFIX } from '../../run/spec.js';

/** The real repository of a task, as the operator reaches it. `token` is secret: never logged or stored. */
export interface UpstreamRepo {
  /** `spec.repo.url` (http(s):// or file://, no credentials in it; or a Radicle repository id `rad:z…`). */
  url: string;
  token?: string;
  /** For a Radicle repository: the operator's Radicle identity (`--radicle-home`) that fetches and pushes it. */
  radicle?: RadicleForgeOptions;
  /** `spec.repo.baseBranch`: the mirror's HEAD (else the upstream's HEAD). */
  baseBranch?: string;
}

/** Options of {@link MirrorStore}. */
export interface MirrorStoreOptions {
  /** Directory of the per-task bare mirrors (`<root>/<namespace>/<task>-<uid>.git`). */
  root: string;
  /** Timeout of each upstream git call (default 120 s). */
  timeoutMs?: number;
}

/**
 * Per-task bare mirrors of the tasks' real repositories, owned by the operator. The upstream is
 * always named by URL on the command line and its credential travels only in the git process's
 * environment ({@link gitAuthEnv}: command-line config), so the mirror's config, remotes and
 * FETCH_HEAD never hold it. Calls on one mirror can be serialized with {@link withLock}.
 */
export class MirrorStore {
  private readonly locks = new KeyedLock();
  constructor(readonly opts: MirrorStoreOptions) {}

  /** The mirror directory of a task; `uid` keeps a re-created task from reusing an old mirror. */
  pathOf(task: TaskKey, uid?: string): string {
    return join(this.opts.root, task.namespace, `${task.name}${uid ? `-${uid.slice(0, 8)}` : ''}.git`);
  }

  /** An empty HOME for the git processes serving the mirrors (no user or system config). */
  get home(): string {
    return join(this.opts.root, '.home');
  }

  /** Whether the mirror `dir` has been created. */
  async exists(dir: string): Promise<boolean> {
    return existsSync(join(dir, 'HEAD'));
  }

  /** Removes a task's mirror (when the task is deleted); the next request would fetch it again. */
  async remove(task: TaskKey, uid?: string): Promise<void> {
    const dir = this.pathOf(task, uid);
    await this.withLock(dir, () => rm(dir, { recursive: true, force: true }));
  }

  /** Removes every mirror of a task name, whatever its uid (the task is deleted: its uid is gone too). */
  async removeTask(task: TaskKey): Promise<void> {
    const nsDir = join(this.opts.root, task.namespace);
    const ours = new RegExp(`^${task.name.replace(/[.]/g, '\\.')}(-[0-9a-f]{8})?\\.git$`);
    const names = await readdir(nsDir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => ours.test(n)).map((n) => this.withLock(join(nsDir, n), () => rm(join(nsDir, n), { recursive: true, force: true }))));
  }

  /** Runs `fn` with the mirror `dir` to itself (per-process lock). */
  async withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(dir, fn);
  }

  /** Creates the mirror when missing and fetches every branch and tag from the upstream (pruning). */
  async sync(dir: string, up: UpstreamRepo): Promise<void> {
    const env = upstreamEnv(up);
    if (up.radicle) {
      const rad = RadicleForge.of(up.radicle);
      if (!existsSync(join(dir, 'HEAD'))) await this.create(dir, { ...up, baseBranch: up.baseBranch ?? (await rad.defaultBranch(up.url)) }, env);
      // Agents push weft/<task>: the operator's own branches come from its namespace, the rest are canonical.
      return rad.fetchInto(up.url, dir, { ownPrefix: TASK_BRANCH_PREFIX });
    }
    if (!existsSync(join(dir, 'HEAD'))) await this.create(dir, up, env);
    await runGit(['fetch', '-q', '--prune', '--no-tags', up.url, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'], { cwd: dir, env, url: up.url, repo: up.url, timeoutMs: this.opts.timeoutMs });
  }

  private async create(dir: string, up: UpstreamRepo, env: Record<string, string>): Promise<void> {
    await mkdir(this.home, { recursive: true });
    const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await runGit(['init', '-q', '--bare', '--template=', tmp]);
      const head = up.baseBranch ?? (await upstreamHead(up, env, this.opts.timeoutMs));
      if (head) await runGit(['symbolic-ref', 'HEAD', `refs/heads/${head}`], { cwd: tmp });
      await rename(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** The object a ref points to in the mirror, or undefined when it does not exist. */
  async refValue(dir: string, ref: string): Promise<string | undefined> {
    const out = (await runGit(['for-each-ref', '--format=%(objectname)', ref], { cwd: dir })).stdout.trim();
    return out || undefined;
  }

  /**
   * Pushes `newOid` to `ref` upstream with a lease: the upstream ref must still be `expectOld`
   * (absent when undefined), so a concurrent change there is never clobbered.
   */
  async pushUpstream(dir: string, up: UpstreamRepo, o: { ref: string; newOid: string; expectOld: string | undefined }): Promise<void> {
    if (up.radicle) return RadicleForge.of(up.radicle).pushBranch(up.url, { gitDir: dir, sha: o.newOid, branch: o.ref.replace(/^refs\/heads\//, ''), expectOld: o.expectOld });
    await runGit(['push', `--force-with-lease=${o.ref}:${o.expectOld ?? ''}`, up.url, `${o.newOid}:${o.ref}`], { cwd: dir, env: upstreamEnv(up), url: up.url, repo: up.url, timeoutMs: this.opts.timeoutMs });
  }

  /** Sets `ref` back to `value` (deletes it when undefined), only if it still is `current`. */
  async resetRef(dir: string, ref: string, o: { value: string | undefined; current: string }): Promise<void> {
    await runGit(o.value ? ['update-ref', ref, o.value, o.current] : ['update-ref', '-d', ref, o.current], { cwd: dir });
  }
}

/** The upstream's default branch (`ls-remote --symref HEAD`), undefined for an empty repository. */
async function upstreamHead(up: UpstreamRepo, env: Record<string, string>, timeoutMs?: number): Promise<string | undefined> {
  const out = (await runGit(['ls-remote', '--symref', up.url, 'HEAD'], { env, url: up.url, repo: up.url, timeoutMs })).stdout;
  return /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out)?.[1];
}

/** The git environment that authenticates to the upstream (nothing for file:// or without a token). */
export function upstreamEnv(up: UpstreamRepo): Record<string, string> {
  if (!up.token || !/^https?:\/\//.test(up.url)) return {};
  return gitAuthEnv(`${new URL(up.url).origin}/`, basicAuth('x-access-token', up.token));
}

/**
 * Checks a task's `spec.repo.url` for the git gateway: http(s):// or file://, no userinfo.
 * Throws a 500 {@link GatewayError} naming the field and the fix.
 */
export function checkUpstreamUrl(at: string, url: string, o: { radicle?: boolean } = {}): void {
  if (url.startsWith('rad:')) {
    if (!o.radicle) throw new GatewayError(500, 'EndpointNotConfigured', `${at}: spec.repo.url "${url}" is a Radicle repository but the operator has no Radicle identity; start it with --radicle-home (RAD_HOME of an identity made with \`rad auth\`, RAD_PASSPHRASE in its environment)`);
    if (!RadicleForge.isRepoId(url)) throw new GatewayError(500, 'EndpointNotConfigured', `${at}: spec.repo.url "${url}" is not a Radicle repository id (rad:z…); list them with \`rad ls\``);
    return;
  }
  const fix = 'use an http(s):// clone URL without credentials and put the token in the Secret of spec.repo.credentialsSecretRef (key "token")';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GatewayError(500, 'EndpointNotConfigured', `${at}: spec.repo.url "${url.replace(/\/\/[^/@]*@/, '//[redacted]@')}" is not a URL the git gateway can mirror; ${fix}`);
  }
  if (!['http:', 'https:', 'file:'].includes(parsed.protocol)) throw new GatewayError(500, 'EndpointNotConfigured', `${at}: spec.repo.url scheme "${parsed.protocol}" is not supported by the git gateway; ${fix}`);
  if (parsed.username || parsed.password) throw new GatewayError(500, 'EndpointNotConfigured', `${at}: spec.repo.url carries credentials; ${fix}`);
}
