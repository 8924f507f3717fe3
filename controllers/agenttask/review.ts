/**
 * The review and CI loops of an AgentTask whose change is open (phase Reviewing), as pure decisions
 * over what `reconcile.ts` read: the change (state, head, checks) and the review comments written
 * since the last ones handled by users who may write to the repository.
 *
 * - New review comments → an iteration (a new attempt, the comments as its input) that pushes a
 *   commit to the same branch; when it ends, the operator replies in each thread it answered.
 * - A failing commit status or check on the head (not Weft's own) → an iteration with the failing
 *   checks as input. Each head is handled once.
 * - Both are bounded by `spec.review` (maxIterations, maxCheckIterations); past the bound the task
 *   stays Reviewing with a condition reason that says so, and humans take over.
 *
 * Every comment and reply carries a hidden marker (`<!-- weft:<task uid>:<what>:<attempt> -->`);
 * `reconcile.ts` posts only when no comment with that marker exists, so a crash between posting and
 * writing status never gives two.
 */
import type { AgentTask, AgentTaskStatus } from '../../src/api/agenttask/types.js';
import type { CheckState, ReviewThread } from '../../src/forge/types.js';
import type { Workload } from '../../src/api/workload/types.js';

/** The commit status context Weft writes on the heads it pushed. */
export const WEFT_CHECK_CONTEXT = 'weft/agent';

/** The hidden marker of one comment or reply of a task (idempotency key). */
export function commentMarker(uid: string, what: string, attempt: number): string {
  return `<!-- weft:${uid}:${what}:${attempt} -->`;
}

/** Does the body carry any Weft marker (the operator's own comments are never feedback)? */
export function isWeftComment(body: string): boolean {
  return body.includes('<!-- weft:');
}

/** A failing check on the change's head. */
export interface FailingCheck {
  context: string;
  state: CheckState;
  description?: string;
  targetUrl?: string;
}

/** Review comments written since the last ones handled, by users who may write to the repository. */
export interface Feedback {
  threads: Array<{ id: string; path?: string; line?: number; comments: Array<{ author: string; body: string }> }>;
  /** The newest comment id among them (status.review.lastCommentId after handling). */
  lastCommentId: string;
  /** Comments left out because their author may not write to the repository. */
  ignored: number;
}

/** The side effects on the forge the loops ask for (posted only once: see the module comment). */
export type ForgeAction =
  | { type: 'comment'; marker: string; body: string }
  | { type: 'reply'; threads: string[]; marker: string; body: string }
  | { type: 'commitStatus'; sha: string; state: CheckState; description: string };

type Review = NonNullable<AgentTaskStatus['review']>;

/** The failing checks of a head, Weft's own left out. */
export function failingChecks(checks: FailingCheck[] | undefined): FailingCheck[] {
  return (checks ?? []).filter((c) => (c.state === 'failure' || c.state === 'error') && c.context !== WEFT_CHECK_CONTEXT);
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The review comments as the next iteration's input. */
export function feedbackInput(url: string, fb: Feedback, iteration: number, max: number): string {
  const lines = [`Review feedback on ${url} (review iteration ${iteration} of ${max}). Address every comment with a change on this branch:`];
  for (const t of fb.threads) {
    const where = t.path ? `${t.path}${t.line ? `:${t.line}` : ''}` : 'the change as a whole';
    for (const c of t.comments) lines.push(`- ${where} (${c.author}): ${clip(c.body.trim(), 2000)}`);
  }
  return lines.join('\n');
}

/** The failing checks as the next iteration's input. */
export function checksInput(o: { url: string; sha: string; failing: FailingCheck[]; iteration: number; max: number }): string {
  const lines = [`The checks on ${o.url} failed at ${o.sha.slice(0, 12)} (CI iteration ${o.iteration} of ${o.max}). Fix the code so that they pass:`];
  for (const c of o.failing) lines.push(`- ${c.context}: ${c.state}${c.description ? ` — ${clip(c.description, 500)}` : ''}${c.targetUrl ? ` (${c.targetUrl})` : ''}`);
  return lines.join('\n');
}

/** The summary comment posted when the change is opened. */
export function summaryBody(o: { marker: string; task: string; attempt: number; lastRun?: AgentTaskStatus['lastRun']; usage?: AgentTaskStatus['usage'] }): string {
  const lines = [o.marker, `**Weft agent** — AgentTask \`${o.task}\`, attempt ${o.attempt}`, ''];
  if (o.lastRun?.lint) lines.push(`- lint: ${o.lastRun.lint}`);
  if (o.lastRun?.test) lines.push(`- tests: ${o.lastRun.test}`);
  if (!o.lastRun?.lint && !o.lastRun?.test) lines.push('- no lint or test commands are configured (spec.toolchain)');
  if (o.usage?.requests) lines.push(`- LLM usage: ${o.usage.requests} requests, ${o.usage.inputTokens ?? 0} input and ${o.usage.outputTokens ?? 0} output tokens`);
  lines.push('', 'Review comments from users with write access start a new iteration on this branch; a failing check starts a fix.');
  return lines.join('\n');
}

type IterationEnd = {
  uid: string;
  current: NonNullable<Review['current']>;
  result: 'pushed' | 'no-changes' | 'failed';
  headSha?: string;
  lastRun?: AgentTaskStatus['lastRun'];
  diagnostics?: string;
};

/** What the iteration that just ended says on the change. */
export function iterationEndActions(o: IterationEnd): ForgeAction[] {
  if (o.result === 'failed') return [failedIterationComment(o)];
  const { uid, current } = o;
  const n = current.attempt;
  const tests = o.lastRun?.test ? ` Tests: ${o.lastRun.test}.` : '';
  const what = o.result === 'pushed' ? `Addressed in ${o.headSha?.slice(0, 12)} (attempt ${n}).${tests}` : `Attempt ${n} made no change for this.`;
  const out: ForgeAction[] = [];
  if (current.kind === 'review' && current.threads?.length) {
    const marker = commentMarker(uid, 'reply', n);
    out.push({ type: 'reply', threads: current.threads, marker, body: `${marker}\n${what}` });
  } else {
    const marker = commentMarker(uid, current.kind === 'review' ? 'reply' : 'fix', n);
    out.push({ type: 'comment', marker, body: `${marker}\n**Weft agent**: ${current.kind === 'checks' ? 'pushed a fix for the failing checks. ' : ''}${what}` });
  }
  if (o.result === 'pushed' && o.headSha) out.push({ type: 'commitStatus', sha: o.headSha, state: 'success', description: clip(o.lastRun?.test ?? 'the toolchain passed', 140) });
  return out;
}

function failedIterationComment(o: IterationEnd): ForgeAction {
  const n = o.current.attempt;
  const marker = commentMarker(o.uid, 'diagnostics', n);
  const doing = o.current.kind === 'review' ? 'addressing review comments' : 'fixing failing checks';
  return { type: 'comment', marker, body: `${marker}\n**Weft agent**: attempt ${n} (${doing}) failed; nothing was pushed.\n\n\`\`\`\n${clip(o.diagnostics ?? '', 6000)}\n\`\`\`` };
}

/** What to do about new feedback while no iteration runs. */
export interface LoopDecision {
  /** status.review to write. */
  review: Review;
  /** Start an iteration: the next attempt with this input. */
  start?: { attempt: number; input: string; reason: 'AddressingReview' | 'FixingChecks'; what: string };
  /** The bound is reached: say so (condition reason, Event) and leave it to humans. */
  exhausted?: { reason: 'ReviewIterationsExhausted' | 'CheckIterationsExhausted'; event: string; message: string };
}

interface LoopInput {
  policy: NonNullable<AgentTask['spec']['review']>;
  review?: Review;
  /** The current attempt (the iteration is the next one). */
  attempt: number;
  change: { url: string; headSha?: string; checks?: FailingCheck[] };
  feedback?: Feedback;
}

/** The most attempts a task has (status.attempt's bound). */
const MAX_ATTEMPT = 100;

/** New review comments or failing checks start an iteration, within spec.review's bounds. */
export function decideFeedback(o: LoopInput): LoopDecision {
  const review: Review & { iterations: number; checkIterations: number } = { iterations: 0, checkIterations: 0, ...(o.review ?? {}) };
  const fb = o.feedback;
  if (fb?.lastCommentId) review.lastCommentId = fb.lastCommentId;
  if (fb && fb.threads.length > 0) return onComments(o, review, fb);
  const failing = failingChecks(o.change.checks);
  if (failing.length === 0 || !o.change.headSha || review.checkedSha === o.change.headSha) return { review };
  review.checkedSha = o.change.headSha;
  return onFailingChecks(o, review, failing);
}

function onComments(o: LoopInput, review: Review & { iterations: number }, fb: Feedback): LoopDecision {
  const max = o.policy.iterateOnComments === false ? 0 : (o.policy.maxIterations ?? 5);
  const next = o.attempt + 1;
  if (review.iterations >= max || next > MAX_ATTEMPT) {
    return {
      review,
      exhausted: {
        reason: 'ReviewIterationsExhausted',
        event: `new review comments on ${o.change.url} are left to humans: spec.review allows ${max} review iteration(s)`,
        message: `${o.change.url} is open; new review comments are left to humans (spec.review.maxIterations=${max} used)`,
      },
    };
  }
  review.iterations++;
  review.current = { kind: 'review', attempt: next, threads: fb.threads.map((t) => t.id).slice(0, 50) };
  const what = `addressing ${fb.threads.length} review thread(s), iteration ${review.iterations} of ${max}`;
  return { review, start: { attempt: next, input: feedbackInput(o.change.url, fb, review.iterations, max), reason: 'AddressingReview', what } };
}

function onFailingChecks(o: LoopInput, review: Review & { checkIterations: number }, failing: FailingCheck[]): LoopDecision {
  const max = o.policy.fixFailingChecks === false ? 0 : (o.policy.maxCheckIterations ?? 3);
  const next = o.attempt + 1;
  const names = failing.map((c) => c.context).join(', ');
  if (review.checkIterations >= max || next > MAX_ATTEMPT) {
    return {
      review,
      exhausted: {
        reason: 'CheckIterationsExhausted',
        event: `failing checks on ${o.change.url} are left to humans: spec.review allows ${max} CI iteration(s)`,
        message: `${o.change.url} is open; its failing checks (${names}) are left to humans (spec.review.maxCheckIterations=${max} used)`,
      },
    };
  }
  review.checkIterations++;
  review.current = { kind: 'checks', attempt: next };
  const input = checksInput({ url: o.change.url, sha: o.change.headSha!, failing, iteration: review.checkIterations, max });
  return { review, start: { attempt: next, input, reason: 'FixingChecks', what: `fixing ${names}, iteration ${review.checkIterations} of ${max}` } };
}

/** Is the iteration's Workload finished? */
export function iterationFinished(wl: Workload | undefined): boolean {
  return wl?.status?.phase === 'Succeeded' || wl?.status?.phase === 'Failed';
}

/** The first non-empty line, at most 300 characters. */
export function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim()) ?? s;
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

const NUMERIC = /^\d+$/;
/** A cursor by time (`@<ms>`): for forges whose comment ids do not grow (Radicle's are hashes). */
const AT = /^@(\d+)$/;

/**
 * The comments after `last`, Weft's own left out, and the cursor of the newest among them. Gitea's
 * and GitHub's comment ids grow (conversation and line comments share one sequence): the cursor is
 * the newest id. Where ids are not numbers (Radicle), it is the newest comment's time, `@<ms>`.
 */
export function newComments(threads: ReviewThread[], last: string | undefined): { threads: ReviewThread[]; lastCommentId?: string } {
  const cur = cursor(threads, last);
  let newest = cur.last ?? -1n;
  const out: ReviewThread[] = [];
  for (const t of threads) {
    const comments = t.comments.filter((c) => (last === undefined || (cur.last !== undefined ? cur.of(c) > cur.last : c.id !== last)) && !isWeftComment(c.body));
    for (const c of comments) if (cur.of(c) > newest) newest = cur.of(c);
    if (comments.length) out.push({ ...t, comments });
  }
  return { threads: out, ...(newest >= 0n ? { lastCommentId: cur.format(newest) } : {}) };
}

type Comment = ReviewThread['comments'][number];

/** How comments are ordered: by id where ids are numbers, else by time (see {@link newComments}). */
function cursor(threads: ReviewThread[], last: string | undefined): { of: (c: Comment) => bigint; last: bigint | undefined; format: (v: bigint) => string } {
  const at = last === undefined ? undefined : AT.exec(last);
  if (at || threads.some((t) => t.comments.some((c) => !NUMERIC.test(c.id)))) {
    return { of: (c) => BigInt(Date.parse(c.createdAt) || 0), last: at ? BigInt(at[1]!) : undefined, format: (v) => `@${v}` };
  }
  return { of: (c) => (NUMERIC.test(c.id) ? BigInt(c.id) : -1n), last: last !== undefined && NUMERIC.test(last) ? BigInt(last) : undefined, format: (v) => v.toString() };
}
