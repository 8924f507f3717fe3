import type { AgentUsage, ModelUsage } from '../../api/agenttask/index.js';
import type { BudgetUse } from './budget.js';
import type { TaskKey } from './identity.js';

/** Token counts of one reply, normalised across APIs: input includes cached input. */
export interface TokenCounts {
  input: number;
  output: number;
  cached: number;
}

interface ModelTotals extends TokenCounts {
  requests: number;
}

interface TaskUsage {
  firstRequestMs?: number;
  inflight: number;
  models: Map<string, ModelTotals>;
}

/** The most models status.usage lists (its schema's maxItems). */
export const MAX_MODELS = 64;

const keyOf = (t: TaskKey) => `${t.namespace}/${t.name}`;
const zero = (): ModelTotals => ({ requests: 0, input: 0, output: 0, cached: 0 });

/**
 * LLM usage per task and model, in memory: what budgets are checked against and what
 * `status.usage` shows. The controller seeds it from `status.usage` after an operator restart
 * ({@link UsageLedger.restore}) and writes {@link UsageLedger.snapshot} back.
 */
export class UsageLedger {
  private readonly tasks = new Map<string, TaskUsage>();

  private entry(task: TaskKey): TaskUsage {
    let e = this.tasks.get(keyOf(task));
    if (!e) this.tasks.set(keyOf(task), (e = { inflight: 0, models: new Map() }));
    return e;
  }

  /** A request is being forwarded: counts it in flight and starts the wall clock on the first one. */
  begin(task: TaskKey, now: number): void {
    const e = this.entry(task);
    e.inflight += 1;
    e.firstRequestMs ??= now;
  }

  /** The request ended (answered or failed): moves it from in flight to `model`'s totals. */
  end(task: TaskKey, model: string, counts: TokenCounts): void {
    const e = this.entry(task);
    e.inflight = Math.max(0, e.inflight - 1);
    // status.usage.models holds at most MAX_MODELS entries: further models are counted as "other".
    const key = e.models.has(model) || e.models.size < MAX_MODELS - 1 ? model : 'other';
    const m = e.models.get(key) ?? zero();
    m.requests += 1;
    m.input += counts.input;
    m.output += counts.output;
    m.cached += counts.cached;
    e.models.set(key, m);
  }

  /** Use as the budget check sees it (in-flight requests count). */
  use(task: TaskKey): BudgetUse {
    const e = this.tasks.get(keyOf(task));
    if (!e) return { tokens: 0, requests: 0 };
    let tokens = 0;
    let requests = e.inflight;
    for (const m of e.models.values()) {
      tokens += m.input + m.output;
      requests += m.requests;
    }
    return { tokens, requests, ...(e.firstRequestMs !== undefined ? { firstRequestMs: e.firstRequestMs } : {}) };
  }

  /** The task's usage in the shape of `status.usage` (models sorted by name). */
  snapshot(task: TaskKey): AgentUsage {
    const e = this.tasks.get(keyOf(task));
    const total = zero();
    const models: ModelUsage[] = [];
    for (const [model, m] of [...(e?.models ?? new Map<string, ModelTotals>())].sort(([a], [b]) => a.localeCompare(b))) {
      models.push({ model, requests: m.requests, inputTokens: m.input, outputTokens: m.output, cachedTokens: m.cached });
      total.requests += m.requests;
      total.input += m.input;
      total.output += m.output;
      total.cached += m.cached;
    }
    return {
      requests: total.requests,
      inputTokens: total.input,
      outputTokens: total.output,
      cachedTokens: total.cached,
      ...(e?.firstRequestMs !== undefined ? { firstRequestTime: new Date(e.firstRequestMs).toISOString() } : {}),
      models,
    };
  }

  /** Seeds a task from `status.usage` (after an operator restart); replaces what was counted. */
  restore(task: TaskKey, usage: AgentUsage | undefined): void {
    const models = new Map<string, ModelTotals>();
    for (const m of usage?.models ?? []) {
      models.set(m.model, { requests: m.requests ?? 0, input: m.inputTokens ?? 0, output: m.outputTokens ?? 0, cached: m.cachedTokens ?? 0 });
    }
    const first = usage?.firstRequestTime ? Date.parse(usage.firstRequestTime) : undefined;
    this.tasks.set(keyOf(task), { inflight: this.tasks.get(keyOf(task))?.inflight ?? 0, models, ...(first !== undefined && !Number.isNaN(first) ? { firstRequestMs: first } : {}) });
  }

  /** Forgets a task (deleted). */
  forget(task: TaskKey): void {
    this.tasks.delete(keyOf(task));
  }
}
