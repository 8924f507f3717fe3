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
import type { AgentUsage } from '../../src/api/agenttask/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { findCondition, metaTime, setConditions, type ConditionInput } from '../../src/runtime/conditions.js';
import type { RunnerResult } from '../../src/agents/run/spec.js';
import { taskBranch } from '../../src/agents/run/spec.js';
import { agentSpecProblem } from '../../src/agents/spec-check.js';
import { attemptWorkloadName } from './pod.js';
import { taskServiceAccountName } from './identity.js';

export type Outcome = NonNullable<AgentTaskStatus['outcome']>;

/** How often an open change is polled for merge/close (Reviewing). */
export const REVIEW_POLL_MS = 30_000;

/** The change the task's branch has on the forge, as the controller last read it. */
export interface ChangeObservation {
  url: string;
  number?: number;
  state: 'open' | 'closed' | 'merged';
  headSha?: string;
}

export interface AgentTaskObservation {
  task: AgentTask;
  now: Date;
  /** The owned Workload of the current attempt (status.workload), when the cache has it. */
  workload?: Workload;
  /** The runner's report from the finished pod of the current attempt. */
  result?: RunnerResult;
  /** The pod's own words when it ended without a report (reason, message, exit code). */
  podEnd?: string;
  /** The gateway refused a request because `spec.budget` is spent. */
  budgetExceeded?: string;
  /** The LLM upstream still failed after the gateway's retries (the cause for InfraFailed). */
  upstreamFailure?: string;
  /** Usage counted by the gateway (status.usage shape). */
  usage?: AgentUsage;
  /** Whether the repository has a forge the operator can open changes on (false: file://, no token). */
  forge: boolean;
  /** The change of the branch, when one was opened/read this pass (undefined: not asked). */
  change?: ChangeObservation;
  /** Why opening or reading the change failed (the forge's typed error). */
  changeError?: string;
}

export type AgentTaskAction =
  | { type: 'ensureIdentity' }
  | { type: 'createWorkload'; attempt: number; diagnostics?: string; deadlineSeconds?: number }
  | { type: 'deleteWorkload'; name: string }
  | { type: 'openChange'; branch: string; headSha: string };

export interface AgentTaskPlan {
  actions: AgentTaskAction[];
  status?: AgentTaskStatus;
  events: Array<{ type: 'Normal' | 'Warning'; reason: string; message: string }>;
  requeueAfterMs?: number;
}

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

/** Has the task ended (Succeeded or Failed)? */
export function isTaskFinished(task: AgentTask): boolean {
  return TERMINAL_PHASES.has(task.status?.phase ?? '');
}

function workloadFinished(wl: Workload | undefined): boolean {
  return wl?.status?.phase === 'Succeeded' || wl?.status?.phase === 'Failed';
}


class Planner {
  readonly actions: AgentTaskAction[] = [];
  readonly events: AgentTaskPlan['events'] = [];
  status: AgentTaskStatus;
  requeueAfterMs?: number;

  constructor(readonly o: AgentTaskObservation) {
    this.status = { ...(o.task.status ?? {}) };
    if (o.usage && (o.usage.requests ?? 0) > 0) this.status.usage = o.usage;
  }

  get task(): AgentTask {
    return this.o.task;
  }

  requeue(ms: number): void {
    this.requeueAfterMs = this.requeueAfterMs === undefined ? ms : Math.min(this.requeueAfterMs, ms);
  }

  conditions(inputs: ConditionInput[]): void {
    this.status.conditions = setConditions(this.status.conditions, inputs, { now: this.o.now, generation: this.task.metadata.generation });
  }

  /** Ends the task: phase, outcome, the Ready and Progressing conditions, an Event; stops a running pod. */
  finish(phase: 'Succeeded' | 'Failed', outcome: Outcome, message: string): void {
    this.status.phase = phase;
    this.status.outcome = outcome;
    this.status.message = message;
    this.status.completionTime = metaTime(this.o.now);
    this.conditions([
      { type: 'Ready', status: phase === 'Succeeded' ? 'True' : 'False', reason: outcome, message },
      { type: 'Progressing', status: 'False', reason: outcome, message },
    ]);
    this.stopPod();
    this.events.push({ type: phase === 'Succeeded' ? 'Normal' : 'Warning', reason: outcome, message });
  }

  stopPod(): void {
    const wl = this.o.workload;
    if (wl && !workloadFinished(wl) && !wl.metadata?.deletionTimestamp) this.actions.push({ type: 'deleteWorkload', name: wl.metadata!.name! });
  }

  progressing(phase: 'Pending' | 'Running' | 'Reviewing', reason: string, message: string): void {
    this.status.phase = phase;
    this.status.message = message;
    this.conditions([
      { type: 'Ready', status: 'Unknown', reason, message },
      { type: 'Progressing', status: 'True', reason, message },
    ]);
  }

  /** Seconds left of spec.timeoutSeconds (undefined: no timeout). */
  secondsLeft(): number | undefined {
    const t = this.task.spec.timeoutSeconds;
    if (t === undefined) return undefined;
    const start = this.status.startTime ? Date.parse(this.status.startTime) : this.o.now.getTime();
    return t - (this.o.now.getTime() - start) / 1000;
  }

  startAttempt(attempt: number, diagnostics?: string): void {
    const left = this.secondsLeft();
    this.actions.push({ type: 'createWorkload', attempt, ...(diagnostics ? { diagnostics } : {}), ...(left !== undefined ? { deadlineSeconds: left } : {}) });
    this.status.attempt = attempt;
    this.status.workload = attemptWorkloadName(this.task.metadata.name!, attempt);
    delete this.status.placement;
    this.progressing('Pending', 'AttemptStarted', `attempt ${attempt} of ${this.maxAttempts()}: waiting for placement (Workload ${this.status.workload})`);
    this.events.push({ type: 'Normal', reason: 'AttemptStarted', message: `attempt ${attempt}: created Workload ${this.status.workload}` });
  }

  maxAttempts(): number {
    return this.task.spec.retryPolicy?.maxAttempts ?? 3;
  }
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
  const { o, task } = p;
  const problem = agentSpecProblem(task.spec);
  if (problem) return p.finish('Failed', 'InvalidSpec', problem);
  if (task.spec.suspend) return p.finish('Failed', 'Cancelled', 'spec.suspend is true: the attempt was stopped');
  const left = p.secondsLeft();
  if (left !== undefined && left <= 0 && p.status.phase !== 'Reviewing') {
    return p.finish('Failed', 'Timeout', `spec.timeoutSeconds=${task.spec.timeoutSeconds} passed (attempt ${p.status.attempt ?? 0}); the pod was stopped`);
  }
  if (o.budgetExceeded) return p.finish('Failed', 'BudgetExceeded', o.budgetExceeded);
  if (left !== undefined && p.status.phase !== 'Reviewing') p.requeue(Math.ceil(left * 1000) + 50);

  const attempt = p.status.attempt ?? 0;
  if (attempt === 0) {
    p.actions.push({ type: 'ensureIdentity' });
    p.status.startTime = metaTime(o.now);
    p.status.branch = taskBranch(task.metadata.name!);
    p.status.serviceAccount = taskServiceAccountName(task.metadata.name!);
    return p.startAttempt(1);
  }
  if (p.status.phase === 'Reviewing') return planReviewing(p);
  const wl = o.workload;
  if (!wl) {
    // Made before a restart and not in the cache yet, or deleted by someone: create (idempotent).
    p.actions.push({ type: 'ensureIdentity' }, { type: 'createWorkload', attempt, ...(left !== undefined ? { deadlineSeconds: left } : {}) });
    return;
  }
  if (!workloadFinished(wl)) return planRunning(p, wl);
  planFinishedAttempt(p, wl, attempt);
}

function planRunning(p: Planner, wl: Workload): void {
  const ref = wl.status?.podRef;
  const place = wl.status?.placement;
  if (place?.cluster || ref?.name) p.status.placement = { ...(place?.cluster ? { cluster: place.cluster } : {}), ...(place?.node ? { node: place.node } : {}), ...(ref?.name ? { pod: ref.name } : {}) };
  const ready = findCondition(wl.status?.conditions, 'Ready');
  const scheduled = findCondition(wl.status?.conditions, 'Scheduled');
  const attempt = `attempt ${p.status.attempt} of ${p.maxAttempts()}`;
  if (wl.status?.phase === 'Running') return p.progressing('Running', 'AgentRunning', `${attempt}: the agent runs in pod ${ref?.name ?? '?'} on ${place?.node ?? '?'}`);
  // Pending: say why (not placed yet, image missing on the node, …) in the Workload's own words.
  const why = ready?.status === 'False' && ready.reason !== 'PodPending' ? `${ready.reason}: ${ready.message}` : scheduled?.status === 'False' ? `${scheduled.reason}: ${scheduled.message}` : 'waiting for the pod to start';
  p.progressing('Pending', ready?.reason === 'ErrImageNeverPull' || ready?.reason === 'ErrImagePull' || ready?.reason === 'ImagePullBackOff' ? 'ImageNotPresent' : 'AttemptPending', `${attempt}: ${why}`);
}

function lastRunOf(r: RunnerResult | undefined): AgentTaskStatus['lastRun'] | undefined {
  return r && 'lastRun' in r && r.lastRun ? { ...(r.lastRun.lint ? { lint: r.lastRun.lint.slice(0, 4096) } : {}), ...(r.lastRun.test ? { test: r.lastRun.test.slice(0, 4096) } : {}) } : undefined;
}

function planFinishedAttempt(p: Planner, wl: Workload, attempt: number): void {
  const { o } = p;
  const r = o.result;
  const lastRun = lastRunOf(r);
  if (lastRun) p.status.lastRun = lastRun;
  if (wl.status?.phase === 'Succeeded' && r?.result === 'no-changes') {
    return p.finish('Succeeded', 'NoChanges', `attempt ${attempt}: the agent made no changes; nothing to push`);
  }
  if (wl.status?.phase === 'Succeeded' && r?.result === 'pushed') {
    p.status.pullRequest = { ...(p.status.pullRequest ?? {}), headSha: r.headSha };
    if (!o.forge) return p.finish('Succeeded', 'BranchPushed', `attempt ${attempt}: pushed ${r.branch} at ${r.headSha.slice(0, 12)}; the repository has no forge to open a change on`);
    if (o.change) return enterReviewing(p, o.change);
    if (o.changeError) {
      p.progressing('Running', 'ChangeNotOpened', `pushed ${r.branch}; opening the change failed (retrying): ${o.changeError}`);
      return p.requeue(10_000);
    }
    p.actions.push({ type: 'openChange', branch: r.branch, headSha: r.headSha });
    return;
  }
  // The attempt failed: the runner's diagnostics, else the pod's or the Workload's own words.
  const infra = !r || r.result === 'infra-failed' || r.result === 'pushed' || r.result === 'no-changes';
  const ready = findCondition(wl.status?.conditions, 'Ready');
  const diagnostics =
    (r && 'diagnostics' in r ? r.diagnostics : undefined) ?? o.upstreamFailure ?? o.podEnd ?? (ready ? `${ready.reason}: ${ready.message}` : `Workload ${wl.metadata?.name} ${wl.status?.phase}`);
  p.status.diagnostics = diagnostics.slice(0, 65536);
  if (attempt >= p.maxAttempts()) {
    const why = `attempt ${attempt} of ${p.maxAttempts()} failed: ${firstLine(diagnostics)}`;
    return infra ? p.finish('Failed', 'InfraFailed', why) : p.finish('Failed', 'MaxAttemptsReached', why);
  }
  const backoffMs = (p.task.spec.retryPolicy?.backoffSeconds ?? 60) * 1000;
  const ended = Date.parse(wl.status?.completionTime ?? '') || o.now.getTime();
  const waitMs = ended + backoffMs - o.now.getTime();
  if (waitMs > 0) {
    p.progressing('Running', r?.result === 'checks-failed' ? 'ChecksFailed' : 'AttemptFailed', `attempt ${attempt} failed (${firstLine(diagnostics)}); attempt ${attempt + 1} in ${Math.ceil(waitMs / 1000)} s`);
    if (p.task.status?.phase !== 'Running' || findCondition(p.task.status?.conditions, 'Progressing')?.reason !== p.status.conditions?.find((c) => c.type === 'Progressing')?.reason) {
      p.events.push({ type: 'Warning', reason: 'AttemptFailed', message: `attempt ${attempt}: ${firstLine(diagnostics)}` });
    }
    return p.requeue(waitMs);
  }
  p.startAttempt(attempt + 1, diagnostics);
}

function enterReviewing(p: Planner, change: ChangeObservation): void {
  p.status.pullRequest = { ...(p.status.pullRequest ?? {}), url: change.url, ...(change.number ? { number: change.number } : {}), state: change.state, ...(change.headSha ? { headSha: change.headSha } : {}) };
  p.status.outcome = 'PullRequestOpened';
  if (p.task.status?.phase !== 'Reviewing') p.events.push({ type: 'Normal', reason: 'PullRequestOpened', message: `opened ${change.url}` });
  planChangeState(p, change);
}

function planReviewing(p: Planner): void {
  const change = p.o.change;
  if (!change) {
    if (p.o.changeError) p.progressing('Reviewing', 'ChangeUnreadable', `cannot read ${p.status.pullRequest?.url ?? 'the change'} (retrying): ${p.o.changeError}`);
    return p.requeue(REVIEW_POLL_MS);
  }
  p.status.pullRequest = { ...(p.status.pullRequest ?? {}), state: change.state, ...(change.headSha ? { headSha: change.headSha } : {}) };
  planChangeState(p, change);
}

function planChangeState(p: Planner, change: ChangeObservation): void {
  if (change.state === 'merged') return p.finish('Succeeded', 'PullRequestOpened', `${change.url} was merged`);
  if (change.state === 'closed') return p.finish('Failed', 'Cancelled', `${change.url} was closed without merging`);
  p.progressing('Reviewing', 'PullRequestOpened', `${change.url} is open for review`);
  p.requeue(REVIEW_POLL_MS);
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim()) ?? s;
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
