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
import type { AgentTaskStatus } from '../../src/api/agenttask/types.js';
import type { CheckState } from '../../src/forge/types.js';
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
export function checksInput(url: string, sha: string, failing: FailingCheck[], iteration: number, max: number): string {
  const lines = [`The checks on ${url} failed at ${sha.slice(0, 12)} (CI iteration ${iteration} of ${max}). Fix the code so that they pass:`];
  for (const c of failing) lines.push(`- ${c.context}: ${c.state}${c.description ? ` — ${clip(c.description, 500)}` : ''}${c.targetUrl ? ` (${c.targetUrl})` : ''}`);
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

/** What the iteration that just ended says on the change. */
export function iterationEndActions(o: {
  uid: string;
  current: NonNullable<Review['current']>;
  result: 'pushed' | 'no-changes' | 'failed';
  headSha?: string;
  lastRun?: AgentTaskStatus['lastRun'];
  diagnostics?: string;
}): ForgeAction[] {
  const { uid, current, result } = o;
  const n = current.attempt;
  const tests = o.lastRun?.test ? ` Tests: ${o.lastRun.test}.` : '';
  if (result === 'failed') {
    const body = `${commentMarker(uid, 'diagnostics', n)}\n**Weft agent**: attempt ${n} (${current.kind === 'review' ? 'addressing review comments' : 'fixing failing checks'}) failed; nothing was pushed.\n\n\`\`\`\n${clip(o.diagnostics ?? '', 6000)}\n\`\`\``;
    return [{ type: 'comment', marker: commentMarker(uid, 'diagnostics', n), body }];
  }
  const what = result === 'pushed' ? `Addressed in ${o.headSha?.slice(0, 12)} (attempt ${n}).${tests}` : `Attempt ${n} made no change for this.`;
  const out: ForgeAction[] = [];
  if (current.kind === 'review' && current.threads?.length) {
    const marker = commentMarker(uid, 'reply', n);
    out.push({ type: 'reply', threads: current.threads, marker, body: `${marker}\n${what}` });
  } else {
    const marker = commentMarker(uid, current.kind === 'review' ? 'reply' : 'fix', n);
    out.push({ type: 'comment', marker, body: `${marker}\n**Weft agent**: ${current.kind === 'checks' ? 'pushed a fix for the failing checks. ' : ''}${what}` });
  }
  if (result === 'pushed' && o.headSha) out.push({ type: 'commitStatus', sha: o.headSha, state: 'success', description: clip(o.lastRun?.test ?? 'the toolchain passed', 140) });
  return out;
}

/** Is the iteration's Workload finished? */
export function iterationFinished(wl: Workload | undefined): boolean {
  return wl?.status?.phase === 'Succeeded' || wl?.status?.phase === 'Failed';
}
