import { ForgeError, ForgeNotFoundError, ForgeConflictError } from './errors.js';
import { basicAuth, gitAuthEnv } from './git.js';
import { RestClient, type RestCall } from './http.js';
import type {
  Change,
  ChangeInfo,
  ChangeState,
  CheckResult,
  CheckState,
  CloneSpec,
  CommitStatusOptions,
  ForgeKind,
  ForgeProvider,
  OpenChangeOptions,
  ReviewComment,
  ReviewThread,
} from './types.js';

/** Options of {@link GiteaForge}. */
export interface GiteaForgeOptions {
  /** The forge's base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** An access token (from a Secret's `token` key, see {@link tokenFromSecret}). Never logged. */
  token: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

/** The subset of Gitea's (and GitHub's) pull request JSON that Weft reads. */
export interface ApiPull {
  number: number;
  html_url: string;
  state: string;
  merged?: boolean;
  merged_at?: string | null;
  mergeable?: boolean | null;
  title: string;
  body?: string | null;
  head: { ref: string; sha: string };
  base: { ref: string };
}

/** A user as both APIs return it. */
export interface ApiUser {
  login: string;
}

/** A review comment (Gitea: `position`/`original_position`; GitHub: `line`/`original_line`, `in_reply_to_id`). */
export interface ApiReviewComment {
  id: number;
  body: string;
  user: ApiUser | null;
  created_at: string;
  path: string;
  position?: number;
  original_position?: number;
  line?: number | null;
  original_line?: number | null;
  in_reply_to_id?: number;
  resolver?: ApiUser | null;
}

/** A conversation (issue) comment. */
export interface ApiIssueComment {
  id: number;
  body: string;
  user: ApiUser | null;
  created_at: string;
}

const OWNER_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
/** Thread id of a change's conversation (its comments not on a line). */
export const CONVERSATION_THREAD = 'conversation';

/** Encodes each segment of a branch name, keeping the slashes Gitea's and GitHub's routes expect. */
export function encodeRef(ref: string): string {
  return ref.split('/').map(encodeURIComponent).join('/');
}

/** Maps a pull's JSON to a {@link ChangeInfo}. */
export function changeFromPull(p: ApiPull): ChangeInfo {
  const merged = p.merged === true || (p.merged_at !== undefined && p.merged_at !== null);
  const state: ChangeState = merged ? 'merged' : p.state === 'open' ? 'open' : 'closed';
  return {
    id: String(p.number),
    url: p.html_url,
    state,
    title: p.title,
    branch: p.head.ref,
    base: p.base.ref,
    headSha: p.head.sha,
    mergeable: p.mergeable === null || p.mergeable === undefined ? undefined : p.mergeable,
  };
}

/**
 * Groups line comments into threads and adds the conversation; keeps threads with a comment after
 * `since`. GitHub links replies by `in_reply_to_id`; Gitea (which sends `resolver`) threads are the
 * comments on one path and line.
 */
export function threadsOf(lineComments: ApiReviewComment[], conversation: ApiIssueComment[], since?: Date): ReviewThread[] {
  const threads: ReviewThread[] = [];
  const byLine = new Map<string, ReviewThread>();
  const byId = new Map<number, ReviewThread>();
  for (const c of [...lineComments].sort((a, b) => a.id - b.id)) {
    const line = lineOf(c);
    const lineKey = c.resolver !== undefined ? `${c.path}:${line ?? 0}` : undefined;
    let thread = threadOf(c, byId) ?? (lineKey ? byLine.get(lineKey) : undefined);
    if (!thread) {
      thread = { id: String(c.id), path: c.path, line, resolved: false, comments: [] };
      threads.push(thread);
      if (lineKey) byLine.set(lineKey, thread);
    }
    byId.set(c.id, thread);
    if (c.resolver) thread.resolved = true;
    thread.comments.push(reviewComment(c));
  }
  if (conversation.length > 0) {
    threads.push({ id: CONVERSATION_THREAD, resolved: false, comments: conversation.map(issueComment) });
  }
  if (!since) return threads;
  return threads.filter((t) => t.comments.some((c) => Date.parse(c.createdAt) > since.getTime()));
}

/** The line a comment is on: GitHub's `line`/`original_line`, Gitea's `position`/`original_position`. */
function lineOf(c: ApiReviewComment): number | undefined {
  return c.line ?? c.original_line ?? (c.position || c.original_position || undefined);
}

function threadOf(c: ApiReviewComment, byId: Map<number, ReviewThread>): ReviewThread | undefined {
  return c.in_reply_to_id === undefined ? undefined : byId.get(c.in_reply_to_id);
}

function reviewComment(c: ApiReviewComment): ReviewComment {
  const comment: ReviewComment = { id: String(c.id), author: c.user?.login ?? 'unknown', body: c.body, createdAt: c.created_at };
  if (c.in_reply_to_id !== undefined) comment.inReplyTo = String(c.in_reply_to_id);
  return comment;
}

function issueComment(c: ApiIssueComment): ReviewComment {
  return { id: String(c.id), author: c.user?.login ?? 'unknown', body: c.body, createdAt: c.created_at };
}

function checkState(s: string | undefined): CheckState {
  return s === 'success' || s === 'error' || s === 'failure' ? s : 'pending';
}

/**
 * A {@link ForgeProvider} over Gitea's REST API (`/api/v1`, `Authorization: token T`). Git over HTTP
 * authenticates with the same token through an `http.extraHeader` in the environment, never in the URL.
 *
 * @example
 * const forge = new GiteaForge({ url: 'http://127.0.0.1:3000', token: tokenFromSecret(secret) });
 * const pr = await forge.openOrUpdateChange('weft/demo', { branch: 'agent/fix-1', title: 'Fix 1' });
 */
export class GiteaForge implements ForgeProvider {
  readonly kind: ForgeKind = 'gitea';
  protected readonly rest: RestClient;
  protected readonly origin: string;
  private readonly defaultBranches = new Map<string, string>();

  constructor(
    protected readonly opts: GiteaForgeOptions,
    api?: { baseUrl: string; authorization: string; headers?: Record<string, string>; label?: string },
  ) {
    this.origin = new URL(opts.url).origin + new URL(opts.url).pathname.replace(/\/$/, '');
    this.rest = new RestClient({
      baseUrl: api?.baseUrl ?? `${this.origin}/api/v1`,
      authorization: api?.authorization ?? `token ${opts.token}`,
      headers: api?.headers,
      timeoutMs: opts.timeoutMs,
      label: api?.label ?? `gitea ${this.origin}`,
    });
  }

  /** HTTP requests sent so far (for the benchmark). */
  get requests(): number {
    return this.rest.requests;
  }

  /** Closes the HTTP connection pool. */
  async close(): Promise<void> {
    await this.rest.close();
  }

  protected call<T>(repo: string, what: string, c: Omit<RestCall, 'repo' | 'what'>): Promise<T> {
    if (!OWNER_NAME.test(repo)) throw new ForgeError('invalid', `${this.kind}: repository "${repo}" is not of the form owner/name`);
    return this.rest.call<T>({ ...c, repo, what });
  }

  async cloneSpec(repo: string): Promise<CloneSpec> {
    if (!OWNER_NAME.test(repo)) throw new ForgeError('invalid', `${this.kind}: repository "${repo}" is not of the form owner/name`);
    return { url: `${this.origin}/${repo}.git`, env: gitAuthEnv(`${this.origin}/`, basicAuth('x-access-token', this.opts.token)) };
  }

  /** The repository's default branch (cached: it rarely changes). */
  async defaultBranch(repo: string): Promise<string> {
    const known = this.defaultBranches.get(repo);
    if (known) return known;
    const r = await this.call<{ default_branch: string }>(repo, 'read the repository', { method: 'GET', path: `/repos/${repo}` });
    this.defaultBranches.set(repo, r.default_branch);
    return r.default_branch;
  }

  async ensureBranch(repo: string, opts: { branch: string; from?: string }): Promise<{ sha: string; created: boolean }> {
    try {
      const b = await this.call<{ commit: { id: string } }>(repo, `read branch "${opts.branch}"`, { method: 'GET', path: `/repos/${repo}/branches/${encodeRef(opts.branch)}` });
      return { sha: b.commit.id, created: false };
    } catch (err) {
      if (!(err instanceof ForgeNotFoundError)) throw err;
    }
    const from = opts.from ?? (await this.defaultBranch(repo));
    const b = await this.call<{ commit: { id: string } }>(repo, `create branch "${opts.branch}" from "${from}"`, {
      method: 'POST',
      path: `/repos/${repo}/branches`,
      body: { new_branch_name: opts.branch, old_ref_name: from },
    });
    return { sha: b.commit.id, created: true };
  }

  /** The open pull request whose head is `branch`, if any. */
  protected async findOpenPull(repo: string, branch: string, base: string): Promise<ApiPull | undefined> {
    try {
      const p = await this.call<ApiPull>(repo, `find the pull request of branch "${branch}"`, { method: 'GET', path: `/repos/${repo}/pulls/${encodeRef(base)}/${encodeRef(branch)}` });
      if (p.state === 'open' && p.head.ref === branch) return p;
    } catch (err) {
      if (err instanceof ForgeNotFoundError) return undefined;
      throw err;
    }
    // An older, closed pull request of the same branch: look through the open ones (bounded).
    for (let page = 1; page <= 20; page++) {
      const list = await this.call<ApiPull[]>(repo, 'list open pull requests', { method: 'GET', path: `/repos/${repo}/pulls`, query: { state: 'open', base_branch: base, page, limit: 50 } });
      const hit = list.find((p) => p.head.ref === branch);
      if (hit || list.length < 50) return hit;
    }
    return undefined;
  }

  async openOrUpdateChange(repo: string, o: OpenChangeOptions): Promise<ChangeInfo & { created: boolean }> {
    const base = o.base ?? (await this.defaultBranch(repo));
    const existing = await this.findOpenPull(repo, o.branch, base);
    if (existing) return { ...(await this.retitle(repo, existing, o)), created: false };
    try {
      const p = await this.call<ApiPull>(repo, `open a pull request for branch "${o.branch}"`, {
        method: 'POST',
        path: `/repos/${repo}/pulls`,
        body: { head: this.headRef(repo, o.branch), base, title: o.title, body: o.body ?? '' },
      });
      return { ...changeFromPull(p), created: true };
    } catch (err) {
      // Someone (a retry, a concurrent call) opened it in between: take that one.
      const again = err instanceof ForgeConflictError ? await this.findOpenPull(repo, o.branch, base) : undefined;
      if (again) return { ...(await this.retitle(repo, again, o)), created: false };
      throw await this.explainOpenFailure(repo, o.branch, err);
    }
  }

  /** A failed open whose branch is missing says so (one more request, on the failure path only). */
  private async explainOpenFailure(repo: string, branch: string, err: unknown): Promise<unknown> {
    if (!(err instanceof ForgeError) || err.kind === 'unreachable' || err.kind === 'auth') return err;
    try {
      await this.call(repo, `read branch "${branch}"`, { method: 'GET', path: `/repos/${repo}/branches/${encodeRef(branch)}` });
      return err;
    } catch (e) {
      if (!(e instanceof ForgeNotFoundError)) return err;
      return new ForgeNotFoundError(`${this.kind} ${this.origin} ${repo}: branch "${branch}" does not exist; push it first (git push origin HEAD:refs/heads/${branch}) or create it with ensureBranch`, { cause: err });
    }
  }

  /** `head` of a new pull request: the branch (GitHub wants `owner:branch`). */
  protected headRef(_repo: string, branch: string): string {
    return branch;
  }

  private async retitle(repo: string, p: ApiPull, o: OpenChangeOptions): Promise<ChangeInfo> {
    if (p.title === o.title && (o.body === undefined || (p.body ?? '') === o.body)) return changeFromPull(p);
    const body: Record<string, string> = { title: o.title };
    if (o.body !== undefined) body.body = o.body;
    const updated = await this.call<ApiPull>(repo, `update pull request #${p.number}`, { method: 'PATCH', path: `/repos/${repo}/pulls/${p.number}`, body });
    return changeFromPull(updated);
  }

  async getChange(repo: string, id: string): Promise<Change> {
    const p = await this.call<ApiPull>(repo, `read pull request #${id}`, { method: 'GET', path: `/repos/${repo}/pulls/${encodeURIComponent(id)}` });
    const info = changeFromPull(p);
    const [checks, approvedBy] = await Promise.all([this.checks(repo, info.headSha), this.approvals(repo, id, info.headSha)]);
    return { ...info, checks, approvedBy };
  }

  /** Combined commit statuses of `sha`. */
  protected async checks(repo: string, sha: string): Promise<CheckResult[]> {
    type S = { context: string; status?: string; state?: string; description?: string; target_url?: string };
    const r = await this.call<{ statuses: S[] | null }>(repo, `read the statuses of ${sha.slice(0, 12)}`, { method: 'GET', path: `/repos/${repo}/commits/${sha}/status` });
    return (r.statuses ?? []).map((s) => ({
      context: s.context,
      state: checkState(s.status ?? s.state),
      ...(s.description ? { description: s.description } : {}),
      ...(s.target_url ? { targetUrl: s.target_url } : {}),
    }));
  }

  /** Users whose latest review on the change approves it (and is not stale). */
  protected async approvals(repo: string, id: string, _headSha: string): Promise<string[]> {
    type R = { id: number; user: ApiUser | null; state: string; stale?: boolean; dismissed?: boolean };
    const reviews = await this.call<R[]>(repo, `read the reviews of #${id}`, { method: 'GET', path: `/repos/${repo}/pulls/${encodeURIComponent(id)}/reviews` });
    const latest = new Map<string, R>();
    for (const r of reviews.sort((a, b) => a.id - b.id)) if (r.user && r.state !== 'COMMENT' && r.state !== 'PENDING') latest.set(r.user.login, r);
    return [...latest.values()].filter((r) => (r.state === 'APPROVED' || r.state === 'APPROVE') && !r.stale && !r.dismissed).map((r) => r.user!.login);
  }

  async listReviewComments(repo: string, id: string, opts: { since?: Date } = {}): Promise<ReviewThread[]> {
    type R = { id: number; comments_count?: number };
    const n = encodeURIComponent(id);
    const [reviews, conversation] = await Promise.all([
      this.call<R[]>(repo, `read the reviews of #${id}`, { method: 'GET', path: `/repos/${repo}/pulls/${n}/reviews` }),
      this.call<ApiIssueComment[]>(repo, `read the comments of #${id}`, { method: 'GET', path: `/repos/${repo}/issues/${n}/comments` }),
    ]);
    const withComments = reviews.filter((r) => (r.comments_count ?? 1) > 0);
    const lists = await Promise.all(
      withComments.map((r) => this.call<ApiReviewComment[]>(repo, `read the comments of review ${r.id}`, { method: 'GET', path: `/repos/${repo}/pulls/${n}/reviews/${r.id}/comments` })),
    );
    // Gitea marks an unresolved thread with `resolver: null`: keep the key so grouping by line applies.
    const line = lists.flat().map((c) => ({ ...c, resolver: c.resolver ?? null }));
    return threadsOf(line, conversation, opts.since);
  }

  async comment(repo: string, id: string, body: string): Promise<ReviewComment> {
    const c = await this.call<ApiIssueComment>(repo, `comment on #${id}`, { method: 'POST', path: `/repos/${repo}/issues/${encodeURIComponent(id)}/comments`, body: { body } });
    return issueComment(c);
  }

  async reply(repo: string, id: string, opts: { threadId: string; body: string }): Promise<ReviewComment> {
    if (opts.threadId === CONVERSATION_THREAD) return this.comment(repo, id, opts.body);
    const c = await this.call<ApiReviewComment>(repo, `reply in thread ${opts.threadId} of #${id}`, {
      method: 'POST',
      path: `/repos/${repo}/pulls/${encodeURIComponent(id)}/comments/${encodeURIComponent(opts.threadId)}/replies`,
      body: { body: opts.body },
    });
    return { id: String(c.id), author: c.user?.login ?? 'unknown', body: c.body, createdAt: c.created_at, inReplyTo: opts.threadId };
  }

  /** A file's text at `ref` (a branch, tag or commit), through the contents API (Gitea and GitHub). */
  async readFile(repo: string, path: string, ref: string): Promise<string> {
    const enc = path.split('/').map(encodeURIComponent).join('/');
    const r = await this.call<{ content?: string; encoding?: string; type?: string }>(repo, `read ${path} at ${ref}`, { method: 'GET', path: `/repos/${repo}/contents/${enc}`, query: { ref } });
    if (r.type !== undefined && r.type !== 'file') throw new ForgeNotFoundError(`${repo}: ${path} at ${ref} is a ${r.type}, not a file`);
    return Buffer.from(r.content ?? '', r.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
  }

  /** The commit a branch, tag or commit id names now (Gitea's commits list, newest first). */
  async resolveRef(repo: string, ref: string): Promise<string> {
    const r = await this.call<Array<{ sha?: string }>>(repo, `resolve ${ref}`, { method: 'GET', path: `/repos/${repo}/commits`, query: { sha: ref, limit: '1', stat: 'false', verification: 'false', files: 'false' } });
    const sha = r[0]?.sha;
    if (!sha) throw new ForgeNotFoundError(`${repo}: ${ref} names no commit`);
    return sha;
  }

  async canWrite(repo: string, user: string): Promise<boolean> {
    // Gitea and GitHub: the collaborator permission route (owners and admins included); a user who
    // is not a collaborator is 404 on Gitea and "none"/"read" on GitHub.
    try {
      const r = await this.call<{ permission?: string }>(repo, `read ${user}'s permission`, { method: 'GET', path: `/repos/${repo}/collaborators/${encodeURIComponent(user)}/permission` });
      return ['owner', 'admin', 'maintain', 'write'].includes(r.permission ?? '');
    } catch (err) {
      if (err instanceof ForgeNotFoundError) return false;
      throw err;
    }
  }

  async setCommitStatus(repo: string, o: CommitStatusOptions): Promise<void> {
    await this.call(repo, `set status "${o.context}" on ${o.sha.slice(0, 12)}`, {
      method: 'POST',
      path: `/repos/${repo}/statuses/${o.sha}`,
      body: { state: o.state, context: o.context, description: o.description ?? '', target_url: o.targetUrl ?? '' },
    });
  }
}
