/** The forges Weft speaks to. */
export type ForgeKind = 'gitea' | 'github' | 'radicle';

/** State of a pull request (Gitea, GitHub) or patch (Radicle). */
export type ChangeState = 'open' | 'merged' | 'closed';

/** Commit status / check state, in the common vocabulary of Gitea and GitHub. */
export type CheckState = 'pending' | 'success' | 'error' | 'failure';

/** One commit status (a CI result) on a change's head commit. */
export interface CheckResult {
  context: string;
  state: CheckState;
  description?: string;
  targetUrl?: string;
}

/** A pull request or patch as opening or updating it returns it (no extra requests for checks). */
export interface ChangeInfo {
  /** PR number ("12") or Radicle patch id. */
  id: string;
  /** Web or rad URL of the change. */
  url: string;
  state: ChangeState;
  title: string;
  /** Source branch the change is tracked by (openOrUpdateChange is idempotent by it). */
  branch: string;
  base: string;
  headSha: string;
  /** Whether the forge says it merges cleanly; undefined while it is still computing or cannot tell. */
  mergeable: boolean | undefined;
}

/** A pull request or patch, as much as an agent needs to decide what to do next. */
export interface Change extends ChangeInfo {
  /** Combined commit statuses of the head commit. */
  checks: CheckResult[];
  /** Reviewers who approved (Gitea/GitHub APPROVED reviews, Radicle accept verdicts) on the head. */
  approvedBy: string[];
}

/** A comment in a review thread (a line comment) or in the change's conversation. */
export interface ReviewComment {
  id: string;
  author: string;
  body: string;
  createdAt: string;
  /** The comment it answers, where the forge records it. */
  inReplyTo?: string;
}

/** A discussion on a change: on a file and line, or (no `path`) on the change as a whole. */
export interface ReviewThread {
  /** Stable id to pass to {@link ForgeProvider.reply}. */
  id: string;
  path?: string;
  line?: number;
  resolved: boolean;
  comments: ReviewComment[];
}

/** Where to clone or push a repository from, and how git authenticates without a token in the URL. */
export interface CloneSpec {
  /** Clone URL without credentials (safe to log and to write into .git/config). */
  url: string;
  /**
   * Environment for `git` that carries the credentials (`GIT_CONFIG_COUNT/KEY/VALUE` with an
   * `http.extraHeader`, or `RAD_HOME`/`RAD_PASSPHRASE`): secret, never log or persist it.
   */
  env: Record<string, string>;
}

/** Options of {@link ForgeProvider.openOrUpdateChange}. */
export interface OpenChangeOptions {
  branch: string;
  /** Target branch; the repository's default branch when omitted. */
  base?: string;
  title: string;
  body?: string;
}

/** Options of {@link ForgeProvider.setCommitStatus}. */
export interface CommitStatusOptions {
  sha: string;
  context: string;
  state: CheckState;
  description?: string;
  targetUrl?: string;
}

/**
 * One interface over the forges an agent works with: push a branch, open or update the change for
 * it, read review feedback, answer it, report status. `repo` is `owner/name` on Gitea and GitHub and
 * a repository id (`rad:z…`) on Radicle.
 *
 * @example
 * const forge = new GiteaForge({ url, token });
 * await forge.ensureBranch('weft/demo', { branch: 'agent/fix-1' });
 * const change = await forge.openOrUpdateChange('weft/demo', { branch: 'agent/fix-1', title: 'Fix 1' });
 */
export interface ForgeProvider {
  readonly kind: ForgeKind;
  /** Clone URL and the git environment that authenticates it. */
  cloneSpec(repo: string): Promise<CloneSpec>;
  /** Creates `branch` from `from` (default: the default branch) unless it exists; returns its head. */
  ensureBranch(repo: string, opts: { branch: string; from?: string }): Promise<{ sha: string; created: boolean }>;
  /**
   * Opens a change for `branch`, or returns (and retitles) the open one: idempotent by branch, so a
   * retry after a crash between push and open never yields two.
   */
  openOrUpdateChange(repo: string, opts: OpenChangeOptions): Promise<ChangeInfo & { created: boolean }>;
  getChange(repo: string, id: string): Promise<Change>;
  /** Review threads with a comment created after `since` (all when omitted). */
  listReviewComments(repo: string, id: string, opts?: { since?: Date }): Promise<ReviewThread[]>;
  /** A comment on the change as a whole. */
  comment(repo: string, id: string, body: string): Promise<ReviewComment>;
  /** A reply in the thread `threadId` (from listReviewComments). */
  reply(repo: string, id: string, opts: { threadId: string; body: string }): Promise<ReviewComment>;
  setCommitStatus(repo: string, opts: CommitStatusOptions): Promise<void>;
  /** Whether `user` (a login, or a Radicle DID) may push to the repository: only their review comments start agent iterations. */
  canWrite(repo: string, user: string): Promise<boolean>;
}
