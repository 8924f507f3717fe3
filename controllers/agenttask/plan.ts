/**
 * The AgentTask controller's decisions as one pure function: `planAgentTask(observed)` says which
 * objects to create or delete, the status to write (once), the Events and when to come back.
 * `reconcile.ts` reads what it needs, calls it and applies the plan; nothing here does I/O.
 *
 * Life of a task: Pending (identity + Workload of attempt 1 made, waiting for placement) → Running
 * (the pod runs) → the runner's result: pushed → a change is opened (operator credentials) →
 * Reviewing (until merged: Succeeded, closed: Failed) · no changes → Succeeded · checks or infra
 * failed → after `retryPolicy.backoffSeconds` attempt n+1, up to `maxAttempts`. Suspend, timeout
 * and a spent budget stop the pod. Every end has a typed outcome (status.outcome, the Ready reason).
 */
import type { AgentTask, AgentTaskStatus } from '../../src/api/agenttask/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { findCondition, metaTime } from '../../src/runtime/conditions.js';
import type { RunnerResult } from '../../src/agents/run/spec.js';
import { lastRunStatus, taskBranch } from '../../src/agents/run/spec.js';
import { agentSpecProblem } from '../../src/agents/spec-check.js';
import { taskServiceAccountName } from './identity.js';
import { blockedBy } from './dependencies.js';
import { Planner, workloadFinished } from './planner.js';
import type { AgentTaskObservation, AgentTaskPlan, ChangeObservation } from './model.js';

export type { AgentTaskAction, AgentTaskObservation, AgentTaskPlan, ChangeObservation, Outcome } from './model.js';
import { commentMarker, decideFeedback, firstLine, iterationEndActions, summaryBody } from './review.js';

/** How often an open change is polled for merge/close (Reviewing). */
export const REVIEW_POLL_MS = 30_000;

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

/** Has the task ended (Succeeded or Failed)? */
export function isTaskFinished(task: AgentTask): boolean {
  return TERMINAL_PHASES.has(task.status?.phase ?? '');
}



/** The plan for one AgentTask. */
export function planAgentTask(o: AgentTaskObservation): AgentTaskPlan {
  const p = new Planner(o);
  const task = o.task;
  if (task.metadata.deletionTimestamp) return { actions: [], events: [] }; // owned objects go with it (GC)
  if (isTaskFinished(task)) {
    p.stopPod(); // e.g. the cancel was written before the pod was deleted
  } else {
    planLive(p);
  }
  p.status.observedGeneration = task.metadata.generation;
  return { actions: p.actions, status: p.status, events: p.events, ...(p.requeueAfterMs !== undefined ? { requeueAfterMs: p.requeueAfterMs } : {}) };
}

function planLive(p: Planner): void {
  if (planStop(p)) return;
  const attempt = p.status.attempt ?? 0;
  if (attempt === 0) return blocked(p) ? undefined : planFirstAttempt(p);
  if (p.status.phase === 'Reviewing') return planReviewing(p);
  const wl = p.o.workload;
  if (!wl) {
    // Made before a restart and not in the cache yet, or deleted by someone: create (idempotent).
    const left = p.secondsLeft();
    p.actions.push({ type: 'ensureIdentity' }, { type: 'createWorkload', attempt, ...(left !== undefined ? { deadlineSeconds: left } : {}) });
    return;
  }
  if (!workloadFinished(wl)) return planRunning(p, wl);
  planFinishedAttempt(p, wl, attempt);
}

/** Ends the task when it must stop: invalid spec, suspend, timeout, spent budget. True when it did. */
function planStop(p: Planner): boolean {
  const { o, task } = p;
  const reviewing = p.status.phase === 'Reviewing';
  const left = reviewing ? undefined : p.secondsLeft();
  const problem = agentSpecProblem(task.spec);
  if (problem) p.finish('Failed', 'InvalidSpec', problem);
  else if (task.spec.suspend) p.finish('Failed', 'Cancelled', 'spec.suspend is true: the attempt was stopped');
  else if (left !== undefined && left <= 0) p.finish('Failed', 'Timeout', `spec.timeoutSeconds=${task.spec.timeoutSeconds} passed (attempt ${p.status.attempt ?? 0}); the pod was stopped`);
  else if (o.budgetExceeded) p.finish('Failed', 'BudgetExceeded', o.budgetExceeded);
  else {
    if (left !== undefined) p.requeue(Math.ceil(left * 1000) + 50);
    return false;
  }
  return true;
}

/** The Blocked=False condition of a released task. */
function released(task: Planner['task'], reason: string): { type: string; status: 'False'; reason: string; message: string } {
  if (reason === 'ConcurrencyLimit') return { type: 'Blocked', status: 'False', reason: 'SlotFree', message: `concurrency group ${task.spec.concurrency?.group ?? ''} has room` };
  return { type: 'Blocked', status: 'False', reason: 'DependenciesMerged', message: `${(task.spec.dependsOn ?? []).join(', ')} succeeded` };
}

/** Waits for spec.dependsOn, then for a spec.concurrency slot (condition Blocked), before the first attempt; true while it must. */
function blocked(p: Planner): boolean {
  const b = blockedBy(p.task.spec.dependsOn ?? [], p.o.dependencies ?? []) ?? p.o.concurrency;
  const was = findCondition(p.status.conditions, 'Blocked');
  if (!b) {
    if (was?.status === 'True') p.conditions([released(p.task, was.reason)]);
    return false;
  }
  p.status.phase = 'Pending';
  p.status.message = b.message;
  p.conditions(['Blocked', 'Ready', 'Progressing'].map((type) => ({ type, status: type === 'Blocked' ? 'True' : 'False', reason: b.reason, message: b.message })));
  if (findCondition(p.task.status?.conditions, 'Blocked')?.reason !== b.reason) p.events.push({ type: b.reason === 'DependencyFailed' ? 'Warning' : 'Normal', reason: b.reason, message: b.message });
  // A slot holder deleted outright (no final phase seen) wakes nobody: look again now and then.
  if (b.reason === 'ConcurrencyLimit') p.requeue(30_000);
  return true;
}

function planFirstAttempt(p: Planner): void {
  const name = p.task.metadata.name!;
  p.actions.push({ type: 'ensureIdentity' });
  p.status.startTime = metaTime(p.o.now);
  p.status.branch = taskBranch(name);
  p.status.serviceAccount = taskServiceAccountName(name);
  p.startAttempt(1);
}

const IMAGE_REASONS = new Set(['ErrImageNeverPull', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

/** Where the attempt runs, from the Workload's status. */
function placementOf(wl: Workload): AgentTaskStatus['placement'] | undefined {
  const { podRef: ref, placement: place } = wl.status ?? {};
  const out = { ...(place?.cluster ? { cluster: place.cluster } : {}), ...(place?.node ? { node: place.node } : {}), ...(ref?.name ? { pod: ref.name } : {}) };
  return Object.keys(out).length ? out : undefined;
}

/** Why a Workload is still pending, in its own words (not placed yet, image missing on the node, …). */
function pendingWhy(wl: Workload): { reason: string; why: string } {
  const ready = findCondition(wl.status?.conditions, 'Ready');
  const scheduled = findCondition(wl.status?.conditions, 'Scheduled');
  const reason = ready && IMAGE_REASONS.has(ready.reason) ? 'ImageNotPresent' : 'AttemptPending';
  if (ready?.status === 'False' && ready.reason !== 'PodPending') return { reason, why: `${ready.reason}: ${ready.message}` };
  if (scheduled?.status === 'False') return { reason, why: `${scheduled.reason}: ${scheduled.message}` };
  return { reason, why: 'waiting for the pod to start' };
}

function planRunning(p: Planner, wl: Workload): void {
  const placement = placementOf(wl);
  if (placement) p.status.placement = placement;
  const attempt = `attempt ${p.status.attempt} of ${p.maxAttempts()}`;
  if (wl.status?.phase === 'Running') return p.progressing('Running', 'AgentRunning', `${attempt}: the agent runs in pod ${placement?.pod ?? '?'} on ${placement?.node ?? '?'}`);
  const { reason, why } = pendingWhy(wl);
  p.progressing('Pending', reason, `${attempt}: ${why}`);
}

function lastRunOf(r: RunnerResult | undefined): AgentTaskStatus['lastRun'] | undefined {
  return r && 'lastRun' in r && r.lastRun ? lastRunStatus(r.lastRun) : undefined;
}

function planFinishedAttempt(p: Planner, wl: Workload, attempt: number): void {
  const r = p.o.result;
  const lastRun = lastRunOf(r);
  if (lastRun) p.status.lastRun = lastRun;
  const succeeded = wl.status?.phase === 'Succeeded';
  if (succeeded && r?.result === 'no-changes') return p.finish('Succeeded', 'NoChanges', `attempt ${attempt}: the agent made no changes; nothing to push`);
  if (succeeded && r?.result === 'pushed') return planPushed(p, r, attempt);
  planFailedAttempt(p, wl, attempt);
}

function planPushed(p: Planner, r: Extract<RunnerResult, { result: 'pushed' }>, attempt: number): void {
  const { o } = p;
  p.status.pullRequest = { ...(p.status.pullRequest ?? {}), headSha: r.headSha };
  if (!o.forge) return p.finish('Succeeded', 'BranchPushed', `attempt ${attempt}: pushed ${r.branch} at ${r.headSha.slice(0, 12)}; the repository has no forge to open a change on`);
  if (o.change) return enterReviewing(p, o.change);
  if (o.changeError) {
    p.progressing('Running', 'ChangeNotOpened', `pushed ${r.branch}; opening the change failed (retrying): ${o.changeError}`);
    return p.requeue(10_000);
  }
  p.actions.push({ type: 'openChange', branch: r.branch, headSha: r.headSha });
}

/** What went wrong in a failed attempt: the runner's diagnostics, else the pod's or the Workload's own words. */
function diagnosticsOf(p: Planner, wl: Workload): string {
  const r = p.o.result;
  if (r && 'diagnostics' in r) return r.diagnostics;
  if (p.o.upstreamFailure) return p.o.upstreamFailure;
  if (p.o.podEnd) return p.o.podEnd;
  const ready = findCondition(wl.status?.conditions, 'Ready');
  return ready ? `${ready.reason}: ${ready.message}` : `Workload ${wl.metadata?.name} ${wl.status?.phase}`;
}

function planFailedAttempt(p: Planner, wl: Workload, attempt: number): void {
  const r = p.o.result;
  const diagnostics = diagnosticsOf(p, wl);
  p.status.diagnostics = diagnostics.slice(0, 65536);
  if (attempt >= p.maxAttempts()) {
    const why = `attempt ${attempt} of ${p.maxAttempts()} failed: ${firstLine(diagnostics)}`;
    return p.finish('Failed', r?.result === 'checks-failed' ? 'MaxAttemptsReached' : 'InfraFailed', why);
  }
  const backoffMs = (p.task.spec.retryPolicy?.backoffSeconds ?? 60) * 1000;
  const ended = Date.parse(wl.status?.completionTime ?? '') || p.o.now.getTime();
  const waitMs = ended + backoffMs - p.o.now.getTime();
  const reason = r?.result === 'checks-failed' ? 'ChecksFailed' : 'AttemptFailed';
  // One AttemptFailed Event per failed attempt: when it is seen first (waiting, or retrying at once).
  if (findCondition(p.task.status?.conditions, 'Progressing')?.reason !== reason) p.events.push({ type: 'Warning', reason: 'AttemptFailed', message: `attempt ${attempt}: ${firstLine(diagnostics)}` });
  if (waitMs <= 0) return p.startAttempt(attempt + 1, diagnostics);
  p.progressing('Running', reason, `attempt ${attempt} failed (${firstLine(diagnostics)}); attempt ${attempt + 1} in ${Math.ceil(waitMs / 1000)} s`);
  p.requeue(waitMs);
}

function enterReviewing(p: Planner, change: ChangeObservation): void {
  p.status.pullRequest = { ...(p.status.pullRequest ?? {}), url: change.url, id: change.id, ...(change.number ? { number: change.number } : {}), state: change.state, ...(change.headSha ? { headSha: change.headSha } : {}) };
  p.status.outcome = 'PullRequestOpened';
  if (p.task.status?.phase !== 'Reviewing') {
    p.events.push({ type: 'Normal', reason: 'PullRequestOpened', message: `opened ${change.url}` });
    const uid = p.task.metadata.uid ?? p.task.metadata.name!;
    const attempt = p.status.attempt ?? 1;
    const marker = commentMarker(uid, 'summary', attempt);
    const task = `${p.task.metadata.namespace}/${p.task.metadata.name}`;
    p.actions.push({ type: 'comment', marker, body: summaryBody({ marker, task, attempt, lastRun: p.status.lastRun, usage: p.status.usage }) });
    if (change.headSha) p.actions.push({ type: 'commitStatus', sha: change.headSha, state: 'success', description: (p.status.lastRun?.test ?? 'the toolchain passed').slice(0, 140) });
  }
  planChangeState(p, change);
}

function planReviewing(p: Planner): void {
  const change = p.o.change;
  if (!change) {
    if (p.o.changeError) p.progressing('Reviewing', 'ChangeUnreadable', `cannot read ${p.status.pullRequest?.url ?? 'the change'} (retrying): ${p.o.changeError}`);
    return p.requeue(REVIEW_POLL_MS);
  }
  p.status.pullRequest = { ...(p.status.pullRequest ?? {}), state: change.state, ...(change.headSha ? { headSha: change.headSha } : {}) };
  if (change.state !== 'open') return planChangeState(p, change);
  if (p.status.review?.current) return planIteration(p, change, p.status.review.current);
  planFeedback(p, change);
}

function planChangeState(p: Planner, change: ChangeObservation): void {
  if (change.state === 'merged') return p.finish('Succeeded', 'PullRequestOpened', `${change.url} was merged`);
  if (change.state === 'closed') return p.finish('Failed', 'Cancelled', `${change.url} was closed without merging`);
  p.progressing('Reviewing', 'PullRequestOpened', `${change.url} is open for review`);
  p.requeue(REVIEW_POLL_MS);
}

type Iteration = NonNullable<NonNullable<AgentTaskStatus['review']>['current']>;

/** An iteration (review or CI fix) is in flight: wait for its pod, then say on the change how it went. */
function planIteration(p: Planner, change: ChangeObservation, cur: Iteration): void {
  const wl = p.o.workload;
  const doing = cur.kind === 'review' ? 'addressing review comments' : 'fixing failing checks';
  const reason = cur.kind === 'review' ? 'AddressingReview' : 'FixingChecks';
  if (!wl) {
    p.actions.push({ type: 'ensureIdentity' }, { type: 'createWorkload', attempt: cur.attempt });
    return p.progressing('Reviewing', reason, `attempt ${cur.attempt}: ${doing}; (re)creating Workload ${p.status.workload}`);
  }
  if (!workloadFinished(wl)) {
    const placement = placementOf(wl);
    if (placement) p.status.placement = placement;
    return p.progressing('Reviewing', reason, `attempt ${cur.attempt}: ${doing} in pod ${placement?.pod ?? '(pending)'}`);
  }
  const ok = endIteration(p, wl, change, cur);
  const review = { ...(p.status.review ?? {}) };
  delete review.current;
  p.status.review = review;
  p.progressing('Reviewing', 'PullRequestOpened', `${change.url} is open for review (attempt ${cur.attempt} ${ok ? 'done' : 'failed'})`);
  p.requeue(REVIEW_POLL_MS);
}

/** The iteration's pod ended: reply, comment and set the commit status as it went. True when it did not fail. */
function endIteration(p: Planner, wl: Workload, change: ChangeObservation, cur: Iteration): boolean {
  const doing = cur.kind === 'review' ? 'addressing review comments' : 'fixing failing checks';
  const r = p.o.result;
  const lastRun = lastRunOf(r);
  if (lastRun) p.status.lastRun = lastRun;
  const uid = p.task.metadata.uid ?? p.task.metadata.name!;
  const succeeded = wl.status?.phase === 'Succeeded';
  if (succeeded && r?.result === 'pushed') {
    p.status.pullRequest = { ...(p.status.pullRequest ?? {}), headSha: r.headSha };
    p.actions.push(...iterationEndActions({ uid, current: cur, result: 'pushed', headSha: r.headSha, lastRun: p.status.lastRun }));
    p.events.push({ type: 'Normal', reason: 'IterationPushed', message: `attempt ${cur.attempt} (${doing}) pushed ${r.headSha.slice(0, 12)} to ${change.url}` });
    return true;
  }
  if (succeeded && r?.result === 'no-changes') {
    p.actions.push(...iterationEndActions({ uid, current: cur, result: 'no-changes' }));
    return true;
  }
  const diagnostics = diagnosticsOf(p, wl);
  p.status.diagnostics = diagnostics.slice(0, 65536);
  p.actions.push(...iterationEndActions({ uid, current: cur, result: 'failed', diagnostics }));
  p.events.push({ type: 'Warning', reason: 'IterationFailed', message: `attempt ${cur.attempt} (${doing}): ${firstLine(diagnostics)}` });
  return false;
}

/** No iteration in flight: new review comments or failing checks start one, within spec.review's bounds. */
function planFeedback(p: Planner, change: ChangeObservation): void {
  const d = decideFeedback({ policy: p.task.spec.review ?? {}, ...(p.status.review ? { review: p.status.review } : {}), attempt: p.status.attempt ?? 0, change, ...(p.o.feedback ? { feedback: p.o.feedback } : {}) });
  p.status.review = d.review;
  if (d.start) return p.startAttempt(d.start.attempt, d.start.input, { reason: d.start.reason, what: d.start.what });
  if (d.exhausted) {
    p.events.push({ type: 'Warning', reason: d.exhausted.reason, message: d.exhausted.event });
    p.progressing('Reviewing', d.exhausted.reason, d.exhausted.message);
    return p.requeue(REVIEW_POLL_MS);
  }
  const cond = findCondition(p.task.status?.conditions, 'Progressing')?.reason;
  if (cond === 'ReviewIterationsExhausted' || cond === 'CheckIterationsExhausted') return p.requeue(REVIEW_POLL_MS); // keep saying so
  planChangeState(p, change);
}
