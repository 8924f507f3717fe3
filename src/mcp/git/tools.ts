import { McpServer } from '@modelcontextprotocol/server';
import { ForgeError, type Change, type ChangeInfo, type ReviewComment, type ReviewThread } from '../../forge/index.js';
import { ToolError } from '../errors.js';
import { READ_ONLY, structured } from '../result.js';
import { pushBranch, redactSecret, type ForgeBinding } from './forge.js';
import { GIT_SCHEMAS as S } from './schemas.js';
import { ScopeError, type BranchScope } from './scope.js';
import type { Workspace } from './workspace.js';

/** What the git tools work on: one clone, one repository on one forge, one branch prefix. */
export interface GitContext {
  readonly ws: Workspace;
  readonly binding: ForgeBinding;
  readonly scope: BranchScope;
  readonly version: string;
  /** change id → its branch, for changes already checked to be this server's */
  readonly ownChanges: Map<string, string>;
  /** the repository's default branch, once a forge tool has read it */
  readonly defaultBranch: { value?: string };
}

/** Local writes: adds a branch (idempotent) or a commit; nothing leaves the machine. */
const LOCAL_IDEMPOTENT = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const LOCAL_ADDITIVE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;
/** Writes to the forge: push (never forced) and open_change are idempotent, reply is not. */
const FORGE_IDEMPOTENT = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
const FORGE_ADDITIVE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
const FORGE_READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;

/**
 * Runs a tool body and turns any failure into a tool error whose text never carries the forge
 * credential; forge errors keep their message (it names the repository and what to do).
 */
function guarded<A, R>(ctx: GitContext, fn: (args: A) => Promise<R>): (args: A) => Promise<R> {
  return async (args) => {
    try {
      return await fn(args);
    } catch (err) {
      const clean = (s: string) => redactSecret(s, ctx.binding.secret);
      if (err instanceof ToolError) throw new ToolError(undefined, clean(err.message));
      if (err instanceof ForgeError) throw new ToolError(undefined, clean(`${ctx.binding.kind} (${err.kind}): ${err.message}`));
      throw new ToolError(undefined, clean(err instanceof Error ? err.message : String(err)));
    }
  };
}

/**
 * The repository's default branch (read once; `ForgeProvider` implementations expose
 * `defaultBranch`). A forge that does not answer leaves it unknown: the call that needs the forge
 * then fails with the forge's own error.
 */
async function readDefaultBranch(ctx: GitContext): Promise<void> {
  if (ctx.defaultBranch.value !== undefined) return;
  const forge = ctx.binding.forge as { defaultBranch?: (repo: string) => Promise<string> };
  ctx.defaultBranch.value = await forge.defaultBranch?.(ctx.binding.repo).catch(() => undefined);
}

/** The branch a tool writes: the argument, else the checked-out one; always inside the prefix. */
async function writableBranch(ctx: GitContext, branch: string | undefined): Promise<string> {
  const defaultBranch = ctx.defaultBranch.value;
  if (branch !== undefined) return ctx.scope.check(branch, 'branch', defaultBranch);
  const current = await ctx.ws.currentBranch();
  if (!current) throw new ScopeError('branch', `the workspace is on a detached HEAD; pass branch, or create_branch ${ctx.scope.prefix}/… first`);
  if (!ctx.scope.covers(current)) throw new ScopeError('branch', `the workspace is on "${current}", outside this server's branch prefix (allowed: ${ctx.scope.allowed}); call create_branch first`);
  return ctx.scope.check(current, 'branch', defaultBranch);
}

/** Checks that `change` is a change of a branch inside the prefix (cached per id). */
async function ownChange(ctx: GitContext, change: string, known?: Change): Promise<Change | undefined> {
  if (ctx.ownChanges.has(change) && !known) return undefined;
  const c = known ?? (await ctx.binding.forge.getChange(ctx.binding.repo, change));
  if (!ctx.scope.covers(c.branch)) throw new ScopeError('change', `change ${change} is on branch "${c.branch}", outside this server's branch prefix (allowed: ${ctx.scope.allowed})`);
  ctx.ownChanges.set(change, c.branch);
  return c;
}

const infoOut = (c: ChangeInfo) => ({ id: c.id, url: c.url, state: c.state, title: c.title, branch: c.branch, base: c.base, headSha: c.headSha, mergeable: c.mergeable ?? null });
const commentOut = (c: ReviewComment) => ({ id: c.id, author: c.author, body: c.body, createdAt: c.createdAt, inReplyTo: c.inReplyTo ?? null });
const threadOut = (t: ReviewThread) => ({ id: t.id, path: t.path ?? null, line: t.line ?? null, resolved: t.resolved, comments: t.comments.map(commentOut) });

function registerLocal(server: McpServer, ctx: GitContext): void {
  const { ws, scope, binding } = ctx;
  server.registerTool('workspace_status', { title: 'Workspace status', description: 'The checked-out branch, its head, whether this server may write it, and the changed files.', inputSchema: S.workspace_status.input, outputSchema: S.workspace_status.output, annotations: READ_ONLY }, guarded(ctx, async () => {
    const branch = (await ws.currentBranch()) ?? null;
    return structured({ repo: binding.repo, forge: binding.kind, branchPrefix: scope.prefix, branch, head: (await ws.resolve('HEAD')) ?? null, writable: branch !== null && scope.covers(branch), files: await ws.status() });
  }));
  server.registerTool('create_branch', { title: 'Create a branch', description: `Creates a branch in the workspace (from the current HEAD or \`from\`) and checks it out; checks it out when it exists. Only ${scope.allowed}.`, inputSchema: S.create_branch.input, outputSchema: S.create_branch.output, annotations: LOCAL_IDEMPOTENT }, guarded(ctx, async ({ branch: b, from }) => {
    const branch = scope.check(b, 'branch', ctx.defaultBranch.value);
    const existing = await ws.resolve(`refs/heads/${branch}`);
    if (existing) {
      if ((await ws.currentBranch()) !== branch) await ws.git(['switch', '-q', branch], { argument: 'branch' });
      return structured({ branch, head: existing, created: false });
    }
    const start = await ws.resolve(from ?? 'HEAD');
    if (!start) throw new ToolError('from', `no branch, tag or commit ${JSON.stringify(from ?? 'HEAD')} in the workspace; give an existing one, e.g. "main" or "origin/main"`);
    await ws.git(['switch', '-q', '-c', branch, start], { argument: 'branch' });
    return structured({ branch, head: start, created: true });
  }));
  server.registerTool('commit', { title: 'Commit files', description: `Commits exactly these files (new, changed or deleted) on the checked-out branch, which must be ${scope.allowed}. Other changes stay uncommitted.`, inputSchema: S.commit.input, outputSchema: S.commit.output, annotations: LOCAL_ADDITIVE }, guarded(ctx, async ({ paths: input, message }) => {
    const branch = await writableBranch(ctx, undefined);
    const paths = await ws.checkPaths(input);
    await ws.git(['add', '-A', '--', ...paths], { argument: 'paths' });
    const staged = await ws.git(['diff', '--cached', '--name-only', '-z', '--', ...paths]);
    if (!staged) throw new ToolError('paths', `no changes to commit in ${paths.map((p) => JSON.stringify(p)).join(', ')} (HEAD is ${(await ws.resolve('HEAD'))?.slice(0, 12) ?? 'unborn'}); edit the files first or name the changed ones (workspace_status lists them)`);
    await ws.git(['commit', '-q', '--no-edit', '-m', message, '--', ...paths], { argument: 'message' });
    const sha = (await ws.resolve('HEAD'))!;
    const diff = await ws.git(['diff-tree', '--no-commit-id', '--name-status', '-r', '-z', '--root', sha]);
    const parts = diff.split('\0').filter(Boolean);
    const files = [];
    for (let i = 0; i + 1 < parts.length; i += 2) files.push({ status: parts[i]!, path: parts[i + 1]! });
    return structured({ branch, sha, files });
  }));
}

function registerForge(server: McpServer, ctx: GitContext): void {
  const { ws, scope, binding } = ctx;
  const { forge, repo } = binding;
  server.registerTool('push', { title: 'Push a branch', description: `Pushes a branch (${scope.allowed}) to ${repo}; never forced: a branch that moved on the forge is refused.`, inputSchema: S.push.input, outputSchema: S.push.output, annotations: FORGE_IDEMPOTENT }, guarded(ctx, async ({ branch: b }) => {
    await readDefaultBranch(ctx);
    const branch = await writableBranch(ctx, b);
    const sha = await ws.resolve(`refs/heads/${branch}`);
    if (!sha) throw new ToolError('branch', `no branch "${branch}" in the workspace; create_branch and commit first`);
    const { url, result } = await pushBranch(ws, binding, { branch, sha });
    return structured({ branch, sha, remote: url, result });
  }));
  server.registerTool('open_change', { title: 'Open a pull request or patch', description: `Opens the change (pull request, Radicle patch) for a pushed branch (${scope.allowed}), or returns and retitles the open one: one change per branch, however often it is called.`, inputSchema: S.open_change.input, outputSchema: S.open_change.output, annotations: FORGE_IDEMPOTENT }, guarded(ctx, async ({ title, body, branch: b, base }) => {
    await readDefaultBranch(ctx);
    const branch = await writableBranch(ctx, b);
    const c = await forge.openOrUpdateChange(repo, { branch, title, ...(body !== undefined ? { body } : {}), ...(base !== undefined ? { base } : {}) });
    ctx.ownChanges.set(c.id, branch);
    return structured({ ...infoOut(c), created: c.created });
  }));
  server.registerTool('list_review_comments', { title: 'List review comments', description: 'Review threads of one of this server\'s changes: line comments with file and line, and the conversation.', inputSchema: S.list_review_comments.input, outputSchema: S.list_review_comments.output, annotations: FORGE_READ }, guarded(ctx, async ({ change, since }) => {
    await ownChange(ctx, change);
    const threads = await forge.listReviewComments(repo, change, since ? { since: new Date(since) } : {});
    return structured({ change, threads: threads.map(threadOut) });
  }));
  server.registerTool('reply', { title: 'Reply to a review thread', description: 'Answers a thread of one of this server\'s changes ("conversation" comments on the change as a whole).', inputSchema: S.reply.input, outputSchema: S.reply.output, annotations: FORGE_ADDITIVE }, guarded(ctx, async ({ change, thread, body }) => {
    await ownChange(ctx, change);
    const c = await forge.reply(repo, change, { threadId: thread, body });
    return structured({ ...commentOut(c), change, thread });
  }));
  server.registerTool('change_status', { title: 'Change status', description: 'State, head, mergeability, CI checks and approvals of one of this server\'s changes.', inputSchema: S.change_status.input, outputSchema: S.change_status.output, annotations: FORGE_READ }, guarded(ctx, async ({ change }) => {
    const c = await forge.getChange(repo, change);
    await ownChange(ctx, change, c);
    const checks = c.checks.map((k) => ({ context: k.context, state: k.state, description: k.description ?? null, targetUrl: k.targetUrl ?? null }));
    return structured({ ...infoOut(c), checks, approvedBy: [...c.approvedBy] });
  }));
}

/** A protocol instance with every git tool. */
export function buildGitServer(ctx: GitContext): McpServer {
  const instructions = `Git and ${ctx.binding.kind} changes for ${ctx.binding.repo}, in the clone ${ctx.ws.root}. Writes only branches ${ctx.scope.allowed}. Flow: create_branch, edit files, commit, push, open_change, then list_review_comments, reply, change_status.`;
  const server = new McpServer({ name: 'weft-git', version: ctx.version }, { instructions });
  registerLocal(server, ctx);
  registerForge(server, ctx);
  return server;
}
