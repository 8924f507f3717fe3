import type { AgentBudget } from '../../api/agenttask/index.js';
import type { TaskKey } from './identity.js';

/** The budgets of `spec.budget`. */
export type BudgetName = 'maxTokens' | 'maxRequests' | 'maxWallSeconds';

/** What a task has used so far, as the budget check sees it. */
export interface BudgetUse {
  /** Input plus output tokens. */
  tokens: number;
  /** Requests answered plus those in flight. */
  requests: number;
  /** Epoch ms of the task's first LLM request, if any. */
  firstRequestMs?: number;
}

/** A spent budget: which one, its limit, the use, and the message the agent and the user see. */
export interface BudgetVerdict {
  budget: BudgetName;
  limit: number;
  used: number;
  message: string;
}

const UNIT: Record<BudgetName, string> = { maxTokens: 'tokens', maxRequests: 'requests', maxWallSeconds: 'seconds since the first request' };

function verdict(task: TaskKey, budget: BudgetName, limit: number, used: number): BudgetVerdict {
  const patch = JSON.stringify({ spec: { budget: { [budget]: limit * 2 } } });
  return {
    budget,
    limit,
    used,
    message:
      `budget spec.budget.${budget}=${limit} of AgentTask ${task.namespace}/${task.name} is spent (${used} ${UNIT[budget]}); ` +
      `the gateway refuses further LLM requests. Raise it, e.g.: kubectl patch agenttask ${task.name} -n ${task.namespace} --type merge -p '${patch}'`,
  };
}

/**
 * The first spent budget of `spec.budget` given the use so far, or undefined when a request may go
 * ahead. A budget is spent when the use has reached the limit (tokens are only known after a reply,
 * so the reply that crosses the limit is delivered and the next request is refused).
 * @example spentBudget({ task, budget: { maxRequests: 10 }, use: { tokens: 0, requests: 10 }, now: Date.now() })?.budget // 'maxRequests'
 */
export function spentBudget(args: { task: TaskKey; budget: AgentBudget | undefined; use: BudgetUse; now: number }): BudgetVerdict | undefined {
  const { task, budget, use, now } = args;
  if (!budget) return undefined;
  if (budget.maxRequests !== undefined && use.requests >= budget.maxRequests) return verdict(task, 'maxRequests', budget.maxRequests, use.requests);
  if (budget.maxTokens !== undefined && use.tokens >= budget.maxTokens) return verdict(task, 'maxTokens', budget.maxTokens, use.tokens);
  if (budget.maxWallSeconds !== undefined && use.firstRequestMs !== undefined) {
    const elapsed = Math.floor((now - use.firstRequestMs) / 1000);
    if (elapsed >= budget.maxWallSeconds) return verdict(task, 'maxWallSeconds', budget.maxWallSeconds, elapsed);
  }
  return undefined;
}
