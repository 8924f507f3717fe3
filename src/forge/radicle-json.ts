import type { ChangeInfo, ReviewComment, ReviewThread } from './types.js';

/** An edit of a description or comment in `rad cob show` JSON (timestamps in milliseconds). */
export interface RadEdit {
  author: string;
  timestamp: number;
  body: string;
}

/** A comment in a revision's discussion or a review (`location` for line comments). */
export interface RadComment {
  author: string;
  replyTo?: string;
  resolved: boolean;
  body: string;
  edits: RadEdit[];
  location?: {
    commit: string;
    path: string;
    old?: RadRange | null;
    new?: RadRange | null;
  };
}

/** A line range (`lines`) or a character range on one line (`chars`). */
export type RadRange = { type: 'lines'; range: { start: number; end: number } } | { type: 'chars'; line: number; range: { start: number; end: number } };

/** A discussion thread: comments by id (null when redacted). */
export interface RadThread {
  comments: Record<string, RadComment | null>;
  timeline?: string[];
}

/** A review of a revision. */
export interface RadReview {
  id: string;
  author: { id: string };
  verdict?: 'accept' | 'reject' | null;
  comments?: RadThread;
  timestamp: number;
}

/** A patch revision. */
export interface RadRevision {
  id: string;
  author: { id: string };
  description: RadEdit[];
  base: string;
  oid: string;
  discussion: RadThread;
  reviews: Record<string, RadReview>;
  timestamp: number;
}

/** The patch object of `rad cob show --type xyz.radicle.patch` (radicle 0.25). */
export interface RadPatch {
  title: string;
  author: { id: string };
  state: { status: 'draft' | 'open' | 'archived' | 'merged'; conflicts?: unknown[]; revision?: string; commit?: string };
  target: string;
  merges: Record<string, { revision: string; commit: string }>;
  revisions: Record<string, RadRevision | null>;
}

/** The line in a patch description that ties it to its branch (openOrUpdateChange is idempotent by it). */
export const BRANCH_TRAILER = 'Weft-Branch:';

/** Revisions oldest first (redacted ones left out). */
export function revisionsOf(p: RadPatch): RadRevision[] {
  return Object.values(p.revisions)
    .filter((r): r is RadRevision => r !== null)
    .sort((a, b) => a.timestamp - b.timestamp);
}

/** The branch named by the patch's first description, if Weft opened it. */
export function branchOf(p: RadPatch): string | undefined {
  const first = revisionsOf(p)[0];
  const body = first?.description.at(-1)?.body ?? '';
  const line = body.split('\n').find((l) => l.startsWith(BRANCH_TRAILER));
  return line?.slice(BRANCH_TRAILER.length).trim() || undefined;
}

/** Maps a patch to a {@link ChangeInfo}. */
export function changeFromPatch(id: string, p: RadPatch, o: { rid: string; base: string }): ChangeInfo {
  const latest = revisionsOf(p).at(-1);
  const s = p.state.status;
  return {
    id,
    url: `rad://${o.rid.replace(/^rad:/, '')}/patches/${id}`,
    state: s === 'merged' ? 'merged' : s === 'archived' ? 'closed' : 'open',
    title: p.title,
    branch: branchOf(p) ?? '',
    base: o.base,
    headSha: latest?.oid ?? '',
    mergeable: s === 'open' && (p.state.conflicts?.length ?? 0) > 0 ? false : undefined,
  };
}

/** Reviewers whose verdict on the latest revision is accept. */
export function approvalsOf(p: RadPatch): string[] {
  const latest = revisionsOf(p).at(-1);
  return Object.values(latest?.reviews ?? {})
    .filter((r) => r.verdict === 'accept')
    .map((r) => r.author.id);
}

function lineOf(c: RadComment): number | undefined {
  const r = c.location?.new ?? c.location?.old;
  if (!r) return undefined;
  return r.type === 'chars' ? r.line : r.range.start;
}

function toComment(id: string, c: RadComment): ReviewComment {
  return {
    id,
    author: c.author.startsWith('did:') ? c.author : `did:key:${c.author}`,
    body: c.body,
    createdAt: new Date(c.edits[0]?.timestamp ?? 0).toISOString(),
    ...(c.replyTo ? { inReplyTo: c.replyTo } : {}),
  };
}

/**
 * Threads of one discussion: a root comment and its replies. `prefix` makes the thread id say where
 * to reply: `r:<revision>:<comment>` (revision discussion) or `v:<review>:<comment>` (a review's).
 */
function threadsOfDiscussion(t: RadThread, prefix: string): ReviewThread[] {
  const entries = Object.entries(t.comments).filter((e): e is [string, RadComment] => e[1] !== null);
  // The timeline is the causal order; timestamps (one per operation) can tie.
  const pos = new Map((t.timeline ?? []).map((id, i) => [id, i]));
  const at = (id: string) => pos.get(id) ?? Number.MAX_SAFE_INTEGER;
  entries.sort((a, b) => at(a[0]) - at(b[0]) || (a[1].edits[0]?.timestamp ?? 0) - (b[1].edits[0]?.timestamp ?? 0));
  const rootOf = new Map<string, string>();
  const threads = new Map<string, ReviewThread>();
  for (const [id, c] of entries) {
    const root = c.replyTo ? (rootOf.get(c.replyTo) ?? c.replyTo) : id;
    rootOf.set(id, root);
    let thread = threads.get(root);
    if (!thread) {
      const line = lineOf(c);
      thread = { id: `${prefix}:${root}`, resolved: false, comments: [], ...(c.location ? { path: c.location.path } : {}), ...(line !== undefined ? { line } : {}) };
      threads.set(root, thread);
    }
    if (c.resolved) thread.resolved = true;
    thread.comments.push(toComment(id, c));
  }
  return [...threads.values()];
}

/** Every thread of a patch (all revisions' discussions and reviews), with a comment after `since`. */
export function threadsOfPatch(p: RadPatch, since?: Date): ReviewThread[] {
  const out: ReviewThread[] = [];
  for (const rev of revisionsOf(p)) {
    out.push(...threadsOfDiscussion(rev.discussion, `r:${rev.id}`));
    for (const review of Object.values(rev.reviews)) {
      if (review.comments) out.push(...threadsOfDiscussion(review.comments, `v:${review.id}`));
    }
  }
  if (!since) return out;
  return out.filter((t) => t.comments.some((c) => Date.parse(c.createdAt) > since.getTime()));
}
