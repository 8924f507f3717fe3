import { Counter, Histogram, type Registry } from 'prom-client';

/** The gateway's Prometheus metrics. */
export class GatewayMetrics {
  /** `weft_llm_tokens_total{namespace,task,model,kind}`, kind = input | output | cached. */
  readonly tokens: Counter<'namespace' | 'task' | 'model' | 'kind'>;
  /** `weft_llm_requests_total{namespace,task,model,code}`: every request, refused ones included. */
  readonly requests: Counter<'namespace' | 'task' | 'model' | 'code'>;
  /** `weft_llm_request_duration_seconds{api,stream}`: until the last byte of the reply. */
  readonly duration: Histogram<'api' | 'stream'>;
  /** `weft_llm_upstream_retries_total{api}`. */
  readonly retries: Counter<'api'>;
  /** `weft_llm_budget_exceeded_total{namespace,task,budget}`: requests refused for a spent budget. */
  readonly budgetExceeded: Counter<'namespace' | 'task' | 'budget'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.tokens = new Counter({ name: 'weft_llm_tokens_total', help: 'LLM tokens per task and model (kind: input incl. cached, output, cached)', labelNames: ['namespace', 'task', 'model', 'kind'], registers });
    this.requests = new Counter({ name: 'weft_llm_requests_total', help: 'LLM gateway requests per task, model and HTTP status sent to the agent', labelNames: ['namespace', 'task', 'model', 'code'], registers });
    this.duration = new Histogram({
      name: 'weft_llm_request_duration_seconds',
      help: 'LLM gateway request time, until the last byte of the reply',
      labelNames: ['api', 'stream'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.retries = new Counter({ name: 'weft_llm_upstream_retries_total', help: 'Upstream LLM requests retried after 429/5xx or a connection failure', labelNames: ['api'], registers });
    this.budgetExceeded = new Counter({ name: 'weft_llm_budget_exceeded_total', help: 'LLM requests refused because a budget of the task is spent', labelNames: ['namespace', 'task', 'budget'], registers });
  }
}
