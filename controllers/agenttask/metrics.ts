import { Counter, Histogram, type Registry } from 'prom-client';
import type { AgentTask, AgentTaskStatus } from '../../src/api/agenttask/types.js';

/**
 * AgentTask metrics: phase transitions, outcomes, attempts, task duration and the time from the
 * task's creation to the agent's first LLM request ("time to first agent action").
 */
export class AgentTaskMetrics {
  private readonly phases: Counter<'phase'>;
  private readonly outcomes: Counter<'outcome'>;
  private readonly attempts: Counter;
  private readonly duration: Histogram<'outcome'>;
  private readonly firstAction: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    const existing = registry.getSingleMetric('weft_agenttask_phase_transitions_total') as Counter<'phase'> | undefined;
    this.phases = existing ?? new Counter({ name: 'weft_agenttask_phase_transitions_total', help: 'AgentTask phase changes, by the phase entered', labelNames: ['phase'], registers });
    this.outcomes = (registry.getSingleMetric('weft_agenttask_outcomes_total') as Counter<'outcome'> | undefined) ?? new Counter({ name: 'weft_agenttask_outcomes_total', help: 'AgentTasks ended or handed to review, by outcome', labelNames: ['outcome'], registers });
    this.attempts = (registry.getSingleMetric('weft_agenttask_attempts_total') as Counter | undefined) ?? new Counter({ name: 'weft_agenttask_attempts_total', help: 'Attempts started (agent pods)', registers });
    this.duration =
      (registry.getSingleMetric('weft_agenttask_duration_seconds') as Histogram<'outcome'> | undefined) ??
      new Histogram({ name: 'weft_agenttask_duration_seconds', help: 'From the first attempt to the end, by outcome', labelNames: ['outcome'], buckets: [10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600], registers });
    this.firstAction =
      (registry.getSingleMetric('weft_agenttask_time_to_first_action_seconds') as Histogram | undefined) ??
      new Histogram({ name: 'weft_agenttask_time_to_first_action_seconds', help: "From the task's creation to the agent's first LLM request at the gateway", buckets: [0.5, 1, 2, 3, 5, 10, 20, 60, 300], registers });
  }

  /** Counts what changed between the status before and the one written. */
  observe(task: AgentTask, before: AgentTaskStatus | undefined, after: AgentTaskStatus): void {
    if (after.phase && after.phase !== before?.phase) this.phases.labels(after.phase).inc();
    if (after.outcome && after.outcome !== before?.outcome) this.ended(after.outcome, after);
    this.attemptsAdded((after.attempt ?? 0) - (before?.attempt ?? 0));
    const first = after.usage?.firstRequestTime;
    if (first && !before?.usage?.firstRequestTime) this.firstActionAt(task, first);
  }

  private attemptsAdded(n: number): void {
    if (n > 0) this.attempts.inc(n);
  }

  private ended(outcome: string, after: AgentTaskStatus): void {
    this.outcomes.labels(outcome).inc();
    const seconds = (Date.parse(after.completionTime ?? '') - Date.parse(after.startTime ?? '')) / 1000;
    if (!Number.isNaN(seconds)) this.duration.labels(outcome).observe(seconds);
  }

  private firstActionAt(task: AgentTask, first: string): void {
    const created = Date.parse(String(task.metadata.creationTimestamp));
    if (!Number.isNaN(created)) this.firstAction.observe(Math.max(0, (Date.parse(first) - created) / 1000));
  }
}
