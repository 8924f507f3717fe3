/** The plan being made for one AgentTask: actions, the status to write, Events, when to come back. */
import type { AgentTask, AgentTaskStatus } from '../../src/api/agenttask/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { metaTime, setConditions, type ConditionInput } from '../../src/runtime/conditions.js';
import type { AgentTaskAction, AgentTaskObservation, AgentTaskPlan, Outcome } from './model.js';
import { attemptWorkloadName } from './pod.js';

export function workloadFinished(wl: Workload | undefined): boolean {
  return wl?.status?.phase === 'Succeeded' || wl?.status?.phase === 'Failed';
}

export class Planner {
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

  startAttempt(attempt: number, diagnostics?: string, iteration?: { reason: string; what: string }): void {
    const left = iteration ? undefined : this.secondsLeft();
    this.actions.push({ type: 'createWorkload', attempt, ...(diagnostics ? { diagnostics } : {}), ...(left !== undefined ? { deadlineSeconds: left } : {}) });
    this.status.attempt = attempt;
    this.status.workload = attemptWorkloadName(this.task.metadata.name!, attempt);
    delete this.status.placement;
    if (iteration) this.progressing('Reviewing', iteration.reason, `attempt ${attempt}: ${iteration.what}; waiting for placement (Workload ${this.status.workload})`);
    else this.progressing('Pending', 'AttemptStarted', `attempt ${attempt} of ${this.maxAttempts()}: waiting for placement (Workload ${this.status.workload})`);
    this.events.push({ type: 'Normal', reason: 'AttemptStarted', message: `attempt ${attempt}: created Workload ${this.status.workload}${iteration ? ` (${iteration.what})` : ''}` });
  }

  maxAttempts(): number {
    return this.task.spec.retryPolicy?.maxAttempts ?? 3;
  }
}

