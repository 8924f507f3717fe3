/**
 * The Job controller's decisions as one pure function: `planJob(observed)` says which Workload to
 * create or delete (one per attempt), whether to delete the Job (TTL), which commit status to set,
 * the status to write (once), the Events and when to come back. `reconcile.ts` reads and applies;
 * nothing here does I/O or reads a clock.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Job, JobResult, JobStatus } from '../../src/api/job/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { checkParams, templateFor, templateNames, type CommitStatusTarget, type JobTemplate } from '../../src/jobs/index.js';
import { findCondition, metaTime, setConditions, type ConditionInput } from '../../src/runtime/conditions.js';
import { attemptOutcome, type AttemptOutcome } from './outcome.js';
import { buildWorkload, JOB_FINALIZER, ownedBy, workloadName } from './workload.js';

export { JOB_FINALIZER } from './workload.js';

/** Why a Job finished (status.reason). */
export type JobReason = NonNullable<JobStatus['reason']>;

export interface JobObservation {
  job: Job;
  now: Date;
  /** Every Workload in the Job's namespace labelled with it (ownership is checked here, by uid). */
  workloads: Workload[];
  /** The pod of the current attempt once its Workload finished (exit code, termination message). */
  pod?: V1Pod;
}

export type JobAction =
  | { type: 'addFinalizer' }
  | { type: 'removeFinalizer' }
  /** Create the Workload (AlreadyExists is success: the name is the attempt's). */
  | { type: 'createWorkload'; workload: Workload }
  | { type: 'deleteWorkload'; name: string }
  | { type: 'deleteJob' }
  /** Set the commit status; reconcile records the forge's answer in status.commitStatus. */
  | { type: 'setCommitStatus'; target: CommitStatusTarget; sha: string; state: 'success' | 'failure'; description: string }
  /** `pending` on the commit `ref` names now (resolved through the forge), when the first attempt starts. */
  | { type: 'setPendingStatus'; target: CommitStatusTarget; ref: string; description: string };

export interface JobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobPlan {
  actions: JobAction[];
  /** The status to write (reconcile writes it only when it changed). */
  status?: JobStatus;
  events: JobEvent[];
  requeueAfterMs?: number;
}

const cond = (type: string, status: 'True' | 'False', reason: string, message: string): ConditionInput => ({ type, status, reason, message: message.slice(0, 32768) });
const isFinishedWl = (wl: Workload) => wl.status?.phase === 'Succeeded' || wl.status?.phase === 'Failed';

/** The plan for one Job; see the module comment and docs/jobs.md ("Lifecycle"). */
export function planJob(o: JobObservation): JobPlan {
  const owned = o.workloads.filter((w) => ownedBy(o.job, w));
  if (o.job.metadata.deletionTimestamp) {
    return { actions: [...deleteAll(owned, () => true), { type: 'removeFinalizer' }], events: [] };
  }
  const head: JobAction[] = (o.job.metadata.finalizers ?? []).includes(JOB_FINALIZER) ? [] : [{ type: 'addFinalizer' }];
  const plan = planLive(o, owned);
  return { ...plan, actions: [...head, ...plan.actions] };
}

/** Delete actions for the owned Workloads that `which` selects and that are not being deleted. */
function deleteAll(owned: Workload[], which: (wl: Workload) => boolean): JobAction[] {
  return owned.filter((w) => !w.metadata?.deletionTimestamp && which(w)).map((w) => ({ type: 'deleteWorkload', name: w.metadata!.name! }));
}

/** The status with conditions set (and the rest of `patch`), as every plan writes it. */
function withStatus(o: JobObservation, patch: JobStatus, conditions: ConditionInput[]): JobStatus {
  const prev = o.job.status ?? {};
  const generation = o.job.metadata.generation;
  return { ...prev, ...patch, observedGeneration: generation, conditions: setConditions(prev.conditions, conditions, { now: o.now, generation }) };
}

/** The template and checked params, or the reason the Job cannot run (InvalidParams). */
function resolveTemplate(job: Job): { template: JobTemplate; params: Record<string, string> } | { invalid: string } {
  const template = templateFor(job.spec.template);
  if (!template) return { invalid: `spec.template: template "${job.spec.template}" is not available yet; available: ${templateNames().join(', ')}` };
  const checked = checkParams(template, job.spec.params);
  if (!checked.ok) return { invalid: checked.errors.map((e) => `${e.field}: ${e.message}`).join('; ') };
  return { template, params: checked.params };
}

function planLive(o: JobObservation, owned: Workload[]): JobPlan {
  const { job } = o;
  const st = job.status ?? {};
  if (st.phase === 'Succeeded' || st.phase === 'Failed') return planFinished(o, owned);
  const resolved = resolveTemplate(job);
  if ('invalid' in resolved) return finish(o, owned, { reason: 'InvalidParams', message: resolved.invalid });
  const { template, params } = resolved;
  const deadline = deadlineOf(job);
  if (deadline !== undefined && o.now.getTime() >= deadline) {
    return finish(o, owned, { reason: 'DeadlineExceeded', message: `the job ran longer than spec.activeDeadlineSeconds (${job.spec.activeDeadlineSeconds}s); its running attempt was stopped` });
  }
  if (job.spec.suspend) return planSuspended(o, owned);
  const attempts = st.attempts ?? 0;
  const resuming = findCondition(st.conditions, 'Suspended')?.status === 'True';
  if (attempts === 0 || resuming) return startAttempt(o, template, params, { attempt: attempts + 1, resumed: resuming });
  const current = owned.find((w) => w.metadata?.name === workloadName(job, attempts));
  // Not in the cache yet, or deleted by someone: (re)create it under the attempt's name (idempotent).
  if (!current) return { actions: [{ type: 'createWorkload', workload: buildWorkload(job, attempts, template, params) }], events: [], requeueAfterMs: untilDeadline(o) };
  return isFinishedWl(current) ? planAttemptEnded(o, owned, { template, params, current }) : planActive(o, current);
}

/** When spec.activeDeadlineSeconds runs out (ms since the epoch), counted from status.startTime. */
function deadlineOf(job: Job): number | undefined {
  const s = job.spec.activeDeadlineSeconds;
  const start = job.status?.startTime;
  return s !== undefined && start ? new Date(start).getTime() + s * 1000 : undefined;
}

function untilDeadline(o: JobObservation): number | undefined {
  const d = deadlineOf(o.job);
  return d === undefined ? undefined : Math.max(0, d - o.now.getTime()) + 50;
}

/** `pending` on the ref when the first attempt starts, for templates that set a commit status. */
function pendingStatus(job: Job, attempt: number, t: { template: JobTemplate; params: Record<string, string> }): JobAction[] {
  const target = attempt === 1 && !job.status?.commitStatus ? t.template.commitStatus?.(t.params) : undefined;
  return target ? [{ type: 'setPendingStatus', target, ref: t.params.ref ?? 'main', description: `${t.template.name} running (job ${job.metadata.name})` }] : [];
}

/** A new attempt: its Workload, attempts + 1, the start time on the first (and after a resume). */
function startAttempt(o: JobObservation, template: JobTemplate, params: Record<string, string>, a: { attempt: number; resumed: boolean; failedAttempts?: number; why?: string }): JobPlan {
  const st = o.job.status ?? {};
  const startTime = a.resumed || !st.startTime ? metaTime(o.now) : st.startTime;
  const status = withStatus(
    o,
    { phase: 'Pending', attempts: a.attempt, startTime, workloadRef: { name: workloadName(o.job, a.attempt) }, ...(a.failedAttempts !== undefined ? { failedAttempts: a.failedAttempts } : {}) },
    [cond('Progressing', 'True', a.why ? 'Retrying' : 'AttemptCreated', `${a.why ? `${a.why}; ` : ''}attempt ${a.attempt}: Workload ${workloadName(o.job, a.attempt)} created`), cond('Suspended', 'False', a.resumed ? 'Resumed' : 'NotSuspended', 'spec.suspend is false')],
  );
  const events: JobEvent[] = [a.why ? { type: 'Warning', reason: 'Retrying', message: `${a.why}; starting attempt ${a.attempt}` } : { type: 'Normal', reason: a.resumed ? 'Resumed' : 'Started', message: `attempt ${a.attempt}: Workload ${workloadName(o.job, a.attempt)}` }];
  const deadline = o.job.spec.activeDeadlineSeconds;
  return { actions: [{ type: 'createWorkload', workload: buildWorkload(o.job, a.attempt, template, params) }, ...pendingStatus(o.job, a.attempt, { template, params })], status, events, ...(deadline !== undefined ? { requeueAfterMs: deadline * 1000 + 50 } : {}) };
}

/** Suspended: the active attempt is stopped (not counted as failed), no new one starts. */
function planSuspended(o: JobObservation, owned: Workload[]): JobPlan {
  const was = findCondition(o.job.status?.conditions, 'Suspended')?.status === 'True';
  const status = withStatus(o, { phase: 'Pending' }, [cond('Suspended', 'True', 'JobSuspended', 'spec.suspend is true: no pod runs until it is false'), cond('Progressing', 'False', 'JobSuspended', 'suspended')]);
  // The deadline counts from the resume, as Kubernetes Jobs do.
  delete status.startTime;
  return { actions: deleteAll(owned, (w) => !isFinishedWl(w)), status, events: was ? [] : [{ type: 'Normal', reason: 'Suspended', message: 'spec.suspend is true: the running attempt was stopped' }] };
}

/** Progressing's reason and message for an attempt that has not ended. */
function progressOf(o: JobObservation, current: Workload): { reason: string; message: string } {
  const attempt = `attempt ${o.job.status?.attempts}`;
  const st = current.status ?? {};
  if (st.phase === 'Running') return { reason: 'Running', message: `${attempt}: running on ${st.placement?.node}` };
  const scheduled = findCondition(st.conditions, 'Scheduled');
  const detail = findCondition(st.conditions, 'Ready')?.message ?? scheduled?.message ?? `Workload ${current.metadata!.name} is ${st.phase ?? 'new'}`;
  return { reason: scheduled?.status === 'False' ? 'Unschedulable' : 'Pending', message: `${attempt}: ${detail}` };
}

/** The current attempt's Workload is Pending, Scheduled or Running: mirror it. */
function planActive(o: JobObservation, current: Workload): JobPlan {
  const p = progressOf(o, current);
  const status = withStatus(o, { phase: p.reason === 'Running' ? 'Running' : 'Pending', workloadRef: { name: current.metadata!.name! } }, [cond('Progressing', 'True', p.reason, p.message)]);
  return { actions: [], status, events: [], requeueAfterMs: untilDeadline(o) };
}

/** The current attempt ended: the Job succeeds, retries, or fails when its retries are spent. */
function planAttemptEnded(o: JobObservation, owned: Workload[], a: { template: JobTemplate; params: Record<string, string>; current: Workload }): JobPlan {
  const out = attemptOutcome(a.current, o.pod);
  const st = o.job.status ?? {};
  const attempt = st.attempts ?? 1;
  if (out.reason === 'Completed') return finish(o, owned, { reason: 'Completed', message: `attempt ${attempt} succeeded${out.result?.summary ? `: ${out.result.summary}` : ''}`, outcome: out, template: a.template, params: a.params });
  const failed = (st.failedAttempts ?? 0) + 1;
  const limit = o.job.spec.backoffLimit ?? 2;
  const why = `attempt ${attempt} failed (${out.reason}): ${out.message}`;
  if (failed <= limit) return startAttempt(o, a.template, a.params, { attempt: attempt + 1, resumed: false, failedAttempts: failed, why: `${why}; retry ${failed} of ${limit}` });
  const reason: JobReason = limit > 0 ? 'BackoffLimitExceeded' : out.reason;
  const message = limit > 0 ? `${why}; spec.backoffLimit (${limit}) retries spent` : why;
  return finish(o, owned, { reason, message, outcome: out, template: a.template, params: a.params, failedAttempts: failed });
}

interface Finish {
  reason: JobReason;
  message: string;
  outcome?: AttemptOutcome;
  template?: JobTemplate;
  params?: Record<string, string>;
  failedAttempts?: number;
}

/** The fields a finished Job's status gets. */
function finishedPatch(o: JobObservation, f: Finish): JobStatus {
  const exitCode = f.outcome?.exitCode;
  const result = f.outcome?.result;
  return {
    phase: f.reason === 'Completed' ? 'Succeeded' : 'Failed',
    reason: f.reason,
    message: f.message.slice(0, 4096),
    completionTime: metaTime(o.now),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(result ? { result } : {}),
    ...(f.failedAttempts !== undefined ? { failedAttempts: f.failedAttempts } : {}),
  };
}

/**
 * The final commit status on the tested commit; and when the pending one went on another commit
 * (the branch moved between the start and the clone), that one gets the result too, saying so.
 */
function finalStatuses(o: JobObservation, a: Omit<Extract<JobAction, { type: 'setCommitStatus' }>, 'type'>): JobAction[] {
  const pendingSha = o.job.status?.commitStatus?.state === 'pending' ? o.job.status.commitStatus.sha : undefined;
  const other: JobAction[] = pendingSha && pendingSha !== a.sha ? [{ type: 'setCommitStatus', ...a, sha: pendingSha, description: `tested ${a.sha.slice(0, 10)} instead (the ref moved): ${a.description}`.slice(0, 140) }] : [];
  return [...other, { type: 'setCommitStatus', ...a }];
}

/** Succeeded or Failed for good: stop what runs, record why, set the commit status, start the TTL. */
function finish(o: JobObservation, owned: Workload[], f: Finish): JobPlan {
  const ok = f.reason === 'Completed';
  const result: JobResult | undefined = f.outcome?.result;
  const status = withStatus(o, finishedPatch(o, f), [cond(ok ? 'Complete' : 'Failed', 'True', f.reason, f.message), cond('Progressing', 'False', f.reason, f.message)]);
  const target = f.template?.commitStatus?.(f.params ?? {});
  const post: JobAction[] = target && result?.commit ? finalStatuses(o, { target, sha: result.commit, state: ok ? 'success' : 'failure', description: (result.summary ?? f.message).slice(0, 140) }) : [];
  const ttl = o.job.spec.ttlSecondsAfterFinished;
  return {
    actions: [...deleteAll(owned, (w) => !isFinishedWl(w)), ...post],
    status,
    events: [{ type: ok ? 'Normal' : 'Warning', reason: f.reason, message: f.message }],
    ...(ttl !== undefined ? { requeueAfterMs: ttl * 1000 + 50 } : {}),
  };
}

/** Finished earlier: only the TTL is left (delete the Workloads, then the Job). */
function planFinished(o: JobObservation, owned: Workload[]): JobPlan {
  const ttl = o.job.spec.ttlSecondsAfterFinished;
  const done = o.job.status?.completionTime;
  const stray = deleteAll(owned, (w) => !isFinishedWl(w));
  if (ttl === undefined || !done) return { actions: stray, events: [] };
  const expiry = new Date(done).getTime() + ttl * 1000;
  if (o.now.getTime() < expiry) return { actions: stray, events: [], requeueAfterMs: expiry - o.now.getTime() + 50 };
  return { actions: [...deleteAll(owned, () => true), { type: 'deleteJob' }], events: [{ type: 'Normal', reason: 'TTLExpired', message: `deleted ${ttl}s after it finished (spec.ttlSecondsAfterFinished)` }] };
}
