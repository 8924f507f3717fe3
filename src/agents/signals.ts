/**
 * What the operator's agent gateway tells the AgentTask controller: a spent budget, an LLM
 * upstream that kept failing, the usage counted so far. The gateway calls these synchronously
 * (GatewayEvents); the controller reads the latest per task when it reconciles and is woken up
 * (at most once per `wakeEveryMs` for usage alone, at once for a spent budget).
 */
import type { AgentUsage } from '../api/agenttask/types.js';
import type { Context } from '@opentelemetry/api';
import type { BudgetExceededEvent, GatewayEvents, UpstreamFailureEvent } from './gateway/routes.js';
import type { TaskKey } from './gateway/identity.js';

const keyOf = (t: TaskKey) => `${t.namespace}/${t.name}`;

export class AgentSignals implements GatewayEvents {
  private readonly budget = new Map<string, string>();
  private readonly upstream = new Map<string, string>();
  private readonly usageOf = new Map<string, AgentUsage>();
  private readonly lastWake = new Map<string, number>();
  private wake: (key: string) => void = () => {};
  private trace: ((key: string) => Context | undefined) | undefined;
  private restore: ((task: TaskKey, usage: AgentUsage) => void) | undefined;
  private readonly restored = new Set<string>();

  constructor(private readonly opts: { wakeEveryMs?: number; now?: () => number } = {}) {}

  /** Who to wake up (the controller's enqueue). */
  onWake(fn: (key: string) => void): void {
    this.wake = fn;
  }

  /** Where the run trace of a task (`namespace/name`) is (the controller's run spans). */
  onTraceContext(fn: (key: string) => Context | undefined): void {
    this.trace = fn;
  }

  /** The trace context of the task's run: the gateway's LLM call spans go under it. */
  traceContext(task: TaskKey): Context | undefined {
    return this.trace?.(`${task.namespace}/${task.name}`);
  }

  private flush: () => Promise<void> = () => Promise.resolve();

  /** How the gateway writes its pending transcript lines (they wait up to 20 ms for their append). */
  onFlushTranscripts(fn: () => Promise<void>): void {
    this.flush = fn;
  }

  /** Resolves when the gateway's transcript lines so far are in their files (before they are published). */
  transcriptsWritten(): Promise<void> {
    return this.flush();
  }

  /** How the gateway's ledger is seeded from status.usage after an operator restart. */
  onRestore(fn: (task: TaskKey, usage: AgentUsage) => void): void {
    this.restore = fn;
  }

  /** Seeds the gateway once per task and process with the usage the task's status carries. */
  seed(task: TaskKey, usage: AgentUsage | undefined): void {
    const key = keyOf(task);
    if (this.restored.has(key)) return;
    this.restored.add(key);
    if (usage && !this.usageOf.has(key)) this.restore?.(task, usage);
  }

  readonly onBudgetExceeded = (e: BudgetExceededEvent): void => {
    const key = keyOf(e.task);
    this.budget.set(key, e.message);
    this.wake(key);
  };

  readonly onUpstreamFailure = (e: UpstreamFailureEvent): void => {
    this.upstream.set(keyOf(e.task), `LLM upstream answered ${e.status} after ${e.retries} retries: ${e.message}`);
  };

  readonly onUsage = (task: TaskKey, usage: AgentUsage): void => {
    const key = keyOf(task);
    this.usageOf.set(key, usage);
    const now = (this.opts.now ?? Date.now)();
    if (now - (this.lastWake.get(key) ?? 0) >= (this.opts.wakeEveryMs ?? 2000)) {
      this.lastWake.set(key, now);
      this.wake(key);
    }
  };

  /** The latest of each signal for a task. */
  of(key: string): { budgetExceeded?: string; upstreamFailure?: string; usage?: AgentUsage } {
    const b = this.budget.get(key);
    const u = this.upstream.get(key);
    const usage = this.usageOf.get(key);
    return { ...(b ? { budgetExceeded: b } : {}), ...(u ? { upstreamFailure: u } : {}), ...(usage ? { usage } : {}) };
  }

  private readonly forgetListeners: Array<(key: string) => void> = [];

  /** Calls `fn` with a task's key (namespace/name) when it is forgotten for good (deleted). */
  onForget(fn: (key: string) => void): void {
    this.forgetListeners.push(fn);
  }

  /** Forgets a task (deleted, or a new attempt that must not inherit the last one's upstream failure). */
  forget(key: string, what: 'all' | 'upstream' = 'all'): void {
    this.upstream.delete(key);
    if (what === 'upstream') return;
    for (const fn of this.forgetListeners) fn(key);
    this.budget.delete(key);
    this.usageOf.delete(key);
    this.lastWake.delete(key);
    this.restored.delete(key);
  }
}
