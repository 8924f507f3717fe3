/**
 * The trace of an AgentTask's run (src/telemetry/runs.ts): started when the plan creates the first
 * attempt's Workload, its id in `status.traceId`, its traceparent in each attempt pod's env; the
 * task's reconciles and the LLM gateway's calls are its children; it ends with the task's outcome.
 */
import type { AgentTask } from '../../src/api/agenttask/types.js';
import { RunSpans } from '../../src/telemetry/runs.js';
import type { AgentTaskPlan } from './model.js';

const ended = (phase: string | undefined) => phase === 'Succeeded' || phase === 'Failed';

export class TaskRuns extends RunSpans {
  constructor() {
    super('agenttask');
  }

  /** The plan with `status.traceId` of the run it starts (a plan that creates an attempt's Workload). */
  traced(key: string, task: AgentTask, plan: AgentTaskPlan): AgentTaskPlan {
    if (!plan.actions.some((a) => a.type === 'createWorkload')) return plan;
    const run = this.begin(key, { namespace: task.metadata.namespace!, name: task.metadata.name!, template: task.spec.agent?.driver ?? 'weft-agent', ...(task.status?.traceId ? { traceId: task.status.traceId } : {}) });
    if (!run?.traceId) return plan;
    return { ...plan, status: { ...(plan.status ?? task.status), traceId: run.traceId } };
  }

  /** `TRACEPARENT` for an attempt's pod (empty without a run in this process). */
  podEnv(key: string): Array<{ name: string; value: string }> {
    return this.run(key)?.podEnv() ?? [];
  }

  /** Ends the run when the plan ends the task. */
  endIfEnded(key: string, task: AgentTask, plan: AgentTaskPlan): void {
    const st = plan.status;
    if (!st || !ended(st.phase) || ended(task.status?.phase)) return;
    this.end(key, st.phase === 'Succeeded' ? 'Succeeded' : (st.outcome ?? 'Failed'), st.message);
  }
}
