import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ForgeAuthError, ForgeError, ForgeNotFoundError, ForgeUnsupportedError } from './errors.js';
import { runGit } from './git.js';
import { KeyedLock } from '../runtime/keyed-lock.js';
import { forgeToolDir } from './local/binaries.js';
import { BRANCH_TRAILER, approvalsOf, branchOf, changeFromPatch, revisionsOf, threadsOfPatch, type RadPatch } from './radicle-json.js';
import type { Change, ChangeInfo, CloneSpec, ForgeKind, ForgeProvider, OpenChangeOptions, ReviewComment, ReviewThread } from './types.js';

/** Options of {@link RadicleForge}. */
export interface RadicleForgeOptions {
  /** `RAD_HOME`: the identity's key and storage. */
  radHome: string;
  /** `RAD_PASSPHRASE` of the key (from a Secret); never logged. */
  passphrase?: string;
  /** Directory holding `rad` and `git-remote-rad` (default: the build cache). */
  binDir?: string;
  /** Announce changes to a running node (default false: the CLI writes to the storage only). */
  announce?: boolean;
  /** Timeout of each `rad`/`git` call (default 60 s). */
  timeoutMs?: number;
}

const PATCH_TYPE = 'xyz.radicle.patch';
/**
 * The writes of one identity (by RAD_HOME), one at a time in this process: each push, comment or COB
 * update re-signs the identity's refs (`refs/rad/sigrefs`), so two at once (the git gateway pushing
 * one task's branch while the controller comments on another's patch) could make one fail.
 */
const identityWrites = new KeyedLock();
/** {@link RadicleForge.of}'s forges. */
const shared = new Map<string, RadicleForge>();
const RID = /^rad:z[1-9A-HJ-NP-Za-km-z]+$/;

/**
 * A {@link ForgeProvider} over Radicle's CLI: patches are opened and revised by `git push` through
 * `git-remote-rad`, read with `rad cob show` (JSON), commented with `rad patch comment`. `repo` is a
 * repository id (`rad:z…`); the change id is the patch id. Commit statuses do not exist in Radicle.
 */
export class RadicleForge implements ForgeProvider {
  readonly kind: ForgeKind = 'radicle';
  private self: { nid: string } | undefined;
  private readonly binDir: string;

  constructor(private readonly opts: RadicleForgeOptions) {
    this.binDir = opts.binDir ?? forgeToolDir('rad');
  }

  /** Whether `url` is a repository id (`rad:z…`). */
  static isRepoId(url: string): boolean {
    return RID.test(url);
  }

  /**
   * The process's forge for an identity (one per options: it remembers the identity's node id, so
   * the controller and the git gateway do not ask `rad self` on every call).
   */
  static of(opts: RadicleForgeOptions): RadicleForge {
    const key = JSON.stringify([opts.radHome, opts.passphrase, opts.binDir, opts.announce, opts.timeoutMs]);
    let forge = shared.get(key);
    if (!forge) shared.set(key, (forge = new RadicleForge(opts)));
    return forge;
  }

  private env(): Record<string, string> {
    const env: Record<string, string> = { RAD_HOME: this.opts.radHome, PATH: `${this.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, NO_COLOR: '1' };
    if (this.opts.passphrase !== undefined) env.RAD_PASSPHRASE = this.opts.passphrase;
    return env;
  }

  /** Runs `rad` and returns stdout; failures become typed errors naming the repository. */
  private async rad(repo: string, what: string, args: string[]): Promise<string> {
    const res = await execa(join(this.binDir, 'rad'), args, { env: this.env(), reject: false, timeout: this.opts.timeoutMs ?? 60_000, stdin: 'ignore' });
    if (res.exitCode === 0) return res.stdout;
    const msg = (res.stderr || res.stdout || (res.timedOut ? 'timed out' : `exit ${res.exitCode}`)).trim().split('\n').slice(-3).join(' | ');
    if (res.failed && res.exitCode === undefined && !res.timedOut) {
      throw new ForgeError('failed', `radicle ${repo}: ${what}: cannot run ${join(this.binDir, 'rad')} (${res.shortMessage}); build it with hack/build-tools.sh rad`);
    }
    if (/passphrase|keystore|No such file or directory.*keys|not authenticated|rad auth/i.test(msg)) {
      throw new ForgeAuthError(`radicle ${repo}: ${what}: the key in RAD_HOME=${this.opts.radHome} cannot be used (${msg}); run \`rad auth\` or check RAD_PASSPHRASE`);
    }
    if (/not found|does not exist|no such|invalid|could not be resolved/i.test(msg)) {
      throw new ForgeNotFoundError(`radicle ${repo}: ${what}: ${msg}; check the repository id (rad ls) and the patch id`);
    }
    throw new ForgeError('failed', `radicle ${repo}: ${what} failed: ${msg}`);
  }

  /** Runs a write of this identity after the ones in flight ({@link identityWrites}). */
  private writing<T>(fn: () => Promise<T>): Promise<T> {
    return identityWrites.run(this.opts.radHome, fn);
  }

  private check(repo: string): void {
    if (!RID.test(repo)) throw new ForgeNotFoundError(`radicle: "${repo}" is not a repository id (rad:z…); list yours with \`rad ls\``);
  }

  private async nid(): Promise<string> {
    // `rad self --nid` is deprecated; the DID is `did:key:<nid>`.
    this.self ??= { nid: (await this.rad('(self)', 'read the identity', ['self', '--did'])).trim().replace(/^did:key:/, '') };
    return this.self.nid;
  }

  private storage(repo: string): string {
    return join(this.opts.radHome, 'storage', repo.replace(/^rad:/, ''));
  }

  async cloneSpec(repo: string): Promise<CloneSpec> {
    this.check(repo);
    return { url: `rad://${repo.replace(/^rad:/, '')}`, env: this.env() };
  }

  /** The repository's default branch, from its identity payload. */
  async defaultBranch(repo: string): Promise<string> {
    this.check(repo);
    const payload = JSON.parse(await this.rad(repo, 'read the identity payload', ['inspect', repo, '--payload'])) as Record<string, { defaultBranch?: string }>;
    return payload['xyz.radicle.project']?.defaultBranch ?? 'main';
  }

  /** The tip of `branch` in this identity's namespace of the storage, or undefined. */
  private async tip(repo: string, branch: string): Promise<string | undefined> {
    const ref = `refs/namespaces/${await this.nid()}/refs/heads/${branch}`;
    try {
      return (await runGit(['--git-dir', this.storage(repo), 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { repo })).stdout.trim();
    } catch (err) {
      if (err instanceof ForgeError && err.kind !== 'unreachable') return undefined;
      throw err;
    }
  }

  /** Pushes `sha` to `dst` through git-remote-rad, from `gitDir` (which has it) or a throwaway repository. */
  private async push(repo: string, o: { sha: string; dst: string; options: string[]; gitDir?: string }): Promise<void> {
    const tmp = o.gitDir ? undefined : await mkdtemp(join(tmpdir(), 'weft-rad-push-'));
    try {
      const env = this.env();
      if (tmp) {
        await runGit(['init', '-q', '--bare', tmp], { env, repo });
        await runGit(['fetch', '-q', '--no-tags', this.storage(repo), `${o.sha}`], { cwd: tmp, env, repo });
      }
      const url = `rad://${repo.replace(/^rad:/, '')}/${await this.nid()}`;
      const opts = [...(this.opts.announce ? [] : ['no-sync']), ...o.options].flatMap((x) => ['-o', x]);
      await runGit(['push', '-q', ...opts, url, `+${o.sha}:${o.dst}`], { cwd: (tmp ?? o.gitDir)!, env, repo, url, timeoutMs: this.opts.timeoutMs });
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Fetches the repository into the bare repository `gitDir` (a git gateway's mirror): the canonical
   * branches, and this identity's own branches under `ownPrefix` (e.g. `weft/`, where agents push)
   * from its namespace. Reads the local storage: the repository must be in it (`rad clone` or `rad seed`).
   */
  async fetchInto(repo: string, gitDir: string, o: { ownPrefix: string }): Promise<void> {
    this.check(repo);
    const own = `refs/heads/${o.ownPrefix}*`;
    const refspecs = ['+refs/heads/*:refs/heads/*', `^${own}`, `+refs/namespaces/${await this.nid()}/${own}:${own}`];
    if (!existsSync(this.storage(repo))) throw new ForgeNotFoundError(`radicle ${repo}: not in the storage of RAD_HOME=${this.opts.radHome}; add it with \`rad clone ${repo}\` (or \`rad seed ${repo}\`) as the operator's identity`);
    await runGit(['fetch', '-q', '--prune', '--no-tags', this.storage(repo), ...refspecs], { cwd: gitDir, env: this.env(), repo, timeoutMs: this.opts.timeoutMs });
  }

  /**
   * Pushes `sha` (in `gitDir`) to `branch` in this identity's namespace, only if the branch is still
   * `expectOld` (absent when undefined), then revises the open patch of that branch (if any) to it,
   * as a push to a pull request's branch updates it on Gitea or GitHub.
   */
  async pushBranch(repo: string, o: { gitDir: string; sha: string; branch: string; expectOld: string | undefined }): Promise<void> {
    this.check(repo);
    return this.writing(() => this.pushBranchNow(repo, o));
  }

  private async pushBranchNow(repo: string, o: { gitDir: string; sha: string; branch: string; expectOld: string | undefined }): Promise<void> {
    const now = await this.tip(repo, o.branch);
    if (now !== o.expectOld) throw new ForgeError('failed', `radicle ${repo}: stale info: ${o.branch} is ${now?.slice(0, 12) ?? 'absent'}, expected ${o.expectOld?.slice(0, 12) ?? 'absent'}`);
    await this.push(repo, { sha: o.sha, dst: `refs/heads/${o.branch}`, options: [], gitDir: o.gitDir });
    const open = (await this.patches(repo)).find(([, p]) => branchOf(p) === o.branch && (p.state.status === 'open' || p.state.status === 'draft'));
    if (open && revisionsOf(open[1]).at(-1)?.oid !== o.sha) await this.push(repo, { sha: o.sha, dst: `refs/heads/patches/${open[0]}`, options: ['patch.message=Update'], gitDir: o.gitDir });
  }

  async ensureBranch(repo: string, opts: { branch: string; from?: string }): Promise<{ sha: string; created: boolean }> {
    this.check(repo);
    return this.writing(async () => {
      const sha = await this.tip(repo, opts.branch);
      if (sha) return { sha, created: false };
      const from = opts.from ?? (await this.defaultBranch(repo));
      const base = await this.tip(repo, from);
      if (!base) throw new ForgeNotFoundError(`radicle ${repo}: branch "${from}" not found in your namespace; push it first (git push rad ${from})`);
      await this.push(repo, { sha: base, dst: `refs/heads/${opts.branch}`, options: [] });
      return { sha: base, created: true };
    });
  }

  /** Every patch of the repository with its id. */
  private async patches(repo: string): Promise<Array<[string, RadPatch]>> {
    const ids = (await this.rad(repo, 'list patches', ['cob', 'list', '--repo', repo, '--type', PATCH_TYPE])).split('\n').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) return [];
    const out = await this.rad(repo, 'read patches', ['cob', 'show', '--repo', repo, '--type', PATCH_TYPE, ...ids.flatMap((id) => ['--object', id]), '--format', 'json']);
    const objects = out.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as RadPatch);
    return ids.map((id, i) => [id, objects[i]!] as [string, RadPatch]).filter(([, p]) => p !== undefined);
  }

  private async patch(repo: string, id: string): Promise<RadPatch> {
    this.check(repo);
    const out = await this.rad(repo, `read patch ${id}`, ['cob', 'show', '--repo', repo, '--type', PATCH_TYPE, '--object', id, '--format', 'json']);
    return JSON.parse(out) as RadPatch;
  }

  async openOrUpdateChange(repo: string, o: OpenChangeOptions): Promise<ChangeInfo & { created: boolean }> {
    this.check(repo);
    return this.writing(async () => {
      const base = o.base ?? (await this.defaultBranch(repo));
      const sha = await this.tip(repo, o.branch);
      if (!sha) throw new ForgeNotFoundError(`radicle ${repo}: branch "${o.branch}" not found in your namespace; push it first (git push rad ${o.branch})`);
      const mine = (await this.patches(repo)).find(([, p]) => branchOf(p) === o.branch && (p.state.status === 'open' || p.state.status === 'draft'));
      if (mine) {
        const [id, p] = mine;
        if (revisionsOf(p).at(-1)?.oid === sha) return { ...changeFromPatch(id, p, { rid: repo, base }), created: false };
        await this.push(repo, { sha, dst: `refs/heads/patches/${id}`, options: ['patch.message=Update'] });
        return { ...changeFromPatch(id, await this.patch(repo, id), { rid: repo, base }), created: false };
      }
      // Push options cannot hold newlines: each `patch.message` is a paragraph (title first).
      const paragraphs = [o.title, ...(o.body ?? '').split(/\n+/).map((l) => l.trim()).filter(Boolean), `${BRANCH_TRAILER} ${o.branch}`];
      const target = base === (await this.defaultBranch(repo)) ? 'refs/patches' : `refs/patches/for/${base}`;
      await this.push(repo, { sha, dst: target, options: paragraphs.map((p) => `patch.message=${p}`) });
      const opened = (await this.patches(repo)).find(([, p]) => branchOf(p) === o.branch && p.state.status === 'open');
      if (!opened) throw new ForgeError('failed', `radicle ${repo}: the patch for branch "${o.branch}" was pushed but is not listed`);
      return { ...changeFromPatch(opened[0], opened[1], { rid: repo, base }), created: true };
    });
  }

  async getChange(repo: string, id: string): Promise<Change> {
    const p = await this.patch(repo, id);
    return { ...changeFromPatch(id, p, { rid: repo, base: await this.defaultBranch(repo) }), checks: [], approvedBy: approvalsOf(p) };
  }

  async listReviewComments(repo: string, id: string, opts: { since?: Date } = {}): Promise<ReviewThread[]> {
    return threadsOfPatch(await this.patch(repo, id), opts.since);
  }

  async comment(repo: string, id: string, body: string): Promise<ReviewComment> {
    this.check(repo);
    return this.writing(async () => {
      const latest = revisionsOf(await this.patch(repo, id)).at(-1);
      return this.commentOn(repo, { revision: latest?.id ?? id, body });
    });
  }

  private async commentOn(repo: string, o: { revision: string; body: string; replyTo?: string }): Promise<ReviewComment> {
    // rad cuts a message at a line that starts with "<!--" (its editor's help text): indented, such
    // a line (a hidden marker) is kept, and rad trims the message's ends.
    const message = o.body.replace(/^<!--/gm, ' <!--');
    const args = ['patch', 'comment', o.revision, ...(o.replyTo ? ['--reply-to', o.replyTo] : []), '--repo', repo, '--quiet', '--no-announce', '--message', message];
    const cid = (await this.rad(repo, `comment on ${o.revision}`, args)).trim().split('\n').at(-1) ?? '';
    return { id: cid, author: `did:key:${await this.nid()}`, body: o.body, createdAt: new Date().toISOString(), ...(o.replyTo ? { inReplyTo: o.replyTo } : {}) };
  }

  async reply(repo: string, id: string, opts: { threadId: string; body: string }): Promise<ReviewComment> {
    this.check(repo);
    return this.writing(async () => {
      const [kind, where, cid] = opts.threadId.split(':');
      if (!kind || !where || !cid) throw new ForgeNotFoundError(`radicle ${repo}: thread "${opts.threadId}" of patch ${id} is not a thread id from listReviewComments`);
      if (kind === 'r') return this.commentOn(repo, { revision: where, body: opts.body, replyTo: cid });
      // A review's line comments are answered with a raw COB action (the CLI has no command for it);
      // the action's fields are snake_case (serde renames only the variant).
      const dir = await mkdtemp(join(tmpdir(), 'weft-rad-cob-'));
      try {
        const file = join(dir, 'actions.jsonl');
        await writeFile(file, `${JSON.stringify({ type: 'review.comment', review: where, body: opts.body, reply_to: cid })}\n`);
        await this.rad(repo, `reply in review ${where}`, ['cob', 'update', '--repo', repo, '--type', PATCH_TYPE, '--object', id, '--message', 'Reply', file]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return { id: '', author: `did:key:${await this.nid()}`, body: opts.body, createdAt: new Date().toISOString(), inReplyTo: cid };
    });
  }

  async canWrite(repo: string, user: string): Promise<boolean> {
    this.check(repo);
    // The repository's delegates are the ones who may change its canonical branches.
    const out = await this.rad(repo, 'read the delegates', ['inspect', repo, '--delegates']);
    const nid = user.replace(/^did:key:/, '');
    return out.split(/\s+/).some((d) => d.replace(/^did:key:/, '') === nid && nid !== '');
  }

  async setCommitStatus(repo: string): Promise<void> {
    throw new ForgeUnsupportedError(`radicle ${repo}: Radicle has no commit statuses; report CI results as a patch comment instead`);
  }
}
