import { finished } from 'node:stream';
import type { Context } from '@opentelemetry/api';
import { recordLlmSpan } from '../../telemetry/spans.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Dispatcher } from 'undici';
import type { AgentTask, AgentUsage } from '../../api/agenttask/index.js';
import { assembleStream } from './assemble.js';
import { spentBudget, type BudgetVerdict } from './budget.js';
import { GatewayError } from './errors.js';
import { authenticateAgent } from './authenticate.js';
import { bearerToken, type TaskKey, type TokenIdentity } from './identity.js';
import { GatewayMetrics } from './metrics.js';
import { GATEWAY_REDACT_PATHS, createRedactor } from './redact.js';
import { errorReply, forwardedReplyHeaders, forwardedRequestHeaders } from './reply.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { SseTap } from './sse.js';
import { TranscriptWriter } from './transcript.js';
import { callUpstream, type LlmEndpoint, type UpstreamReply } from './upstream.js';
import { UsageLedger } from './usage.js';
import { usageOfBody, type LlmApi, type UsageReading } from './wire.js';

/** A spent budget refused a request: the controller sets the task's outcome `BudgetExceeded`. */
export interface BudgetExceededEvent extends BudgetVerdict {
  task: TaskKey;
}

/** The upstream still failed after retries (or could not be reached): the cause for `InfraFailed`. */
export interface UpstreamFailureEvent {
  task: TaskKey;
  /** Status sent to the agent (the upstream's, or 502 when unreachable). */
  status: number;
  message: string;
  retries: number;
}

/** Callbacks for the AgentTask controller. They must not throw; they are called synchronously. */
export interface GatewayEvents {
  onBudgetExceeded?: (e: BudgetExceededEvent) => void;
  /** After every forwarded request, with the task's usage in `status.usage` shape. */
  onUsage?: (task: TaskKey, usage: AgentUsage) => void;
  onUpstreamFailure?: (e: UpstreamFailureEvent) => void;
  /** The trace context of the task's run, whose child each forwarded call becomes (undefined: no span). */
  traceContext?: (task: TaskKey) => Context | undefined;
}

/** What the gateway needs from the operator. */
export interface LlmGatewayDeps {
  /** Verifies an agent's bearer token (TokenReview, audience `weft`); see {@link TokenVerifier}. */
  verifier: { verify(token: string): Promise<TokenIdentity | undefined> };
  /** The AgentTask (e.g. from the informer cache), or undefined when it does not exist. */
  loadTask: (task: TaskKey) => Promise<AgentTask | undefined>;
  /** The task's endpoint (Secret of `spec.agent.endpointSecretRef`); throws a GatewayError when unusable. */
  loadEndpoint: (task: AgentTask) => Promise<LlmEndpoint>;
  /** Transcripts go here (`<dir>/<namespace>/<task>/attempt-<n>.jsonl`); none when unset. */
  transcriptDir?: string;
  metrics?: Registry;
  log?: Logger;
  ledger?: UsageLedger;
  retry?: Partial<RetryPolicy>;
  /** undici dispatcher for upstream connections (default: undici's global one). */
  dispatcher?: Dispatcher;
  events?: GatewayEvents;
  now?: () => number;
  /** Largest request body (default 32 MiB: long contexts). */
  bodyLimit?: number;
}

/** The registered gateway. */
export interface LlmGateway {
  readonly ledger: UsageLedger;
  readonly metrics: GatewayMetrics;
  /** `status.usage` of a task. */
  usage(task: TaskKey): AgentUsage;
  /** Resolves when every transcript line is written. */
  flush(): Promise<void>;
  /** Writes the last transcript lines and closes the files (on operator shutdown). */
  close(): Promise<void>;
}

/** The routes, by API: the task is in the path, checked against the token (see docs/agenttask.md). */
export const LLM_ROUTES: Record<LlmApi, string> = {
  openai: '/llm/:namespace/:task/openai/v1/chat/completions',
  anthropic: '/llm/:namespace/:task/anthropic/v1/messages',
};

interface Ctx extends Required<Pick<LlmGatewayDeps, 'verifier' | 'loadTask' | 'loadEndpoint' | 'now'>> {
  ledger: UsageLedger;
  metrics: GatewayMetrics;
  log: Logger | undefined;
  transcript: TranscriptWriter | undefined;
  policy: RetryPolicy;
  dispatcher: Dispatcher | undefined;
  events: GatewayEvents;
}

/** One forwarded request, from the budget check to the end of the reply. */
interface Run {
  api: LlmApi;
  task: TaskKey;
  attempt: number;
  pod: string | undefined;
  requestedModel: string;
  body: Record<string, unknown>;
  stream: boolean;
  started: number;
  retries: number;
  redact: (v: unknown) => unknown;
}

/** A Kubernetes name in a route's path (namespace, task). */
export const NAME = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' } as const;

/**
 * Registers the LLM gateway on the operator's fastify app: `POST /llm/<namespace>/<task>/openai/v1/chat/completions`
 * and `POST /llm/<namespace>/<task>/anthropic/v1/messages`. Each request is authenticated by the
 * agent pod's projected token, bound to the task, checked against `spec.budget`, forwarded with the
 * key of the task's endpoint Secret (streams pass through as they arrive), counted and transcribed.
 * @example const gw = registerLlmGateway(app, { verifier, loadTask, loadEndpoint, transcriptDir, events: { onBudgetExceeded } });
 */
export function registerLlmGateway(app: FastifyInstance, deps: LlmGatewayDeps): LlmGateway {
  const log = deps.log?.child({ component: 'llm-gateway' }, { redact: { paths: GATEWAY_REDACT_PATHS, censor: '[redacted]' } });
  const ctx: Ctx = {
    verifier: deps.verifier,
    loadTask: deps.loadTask,
    loadEndpoint: deps.loadEndpoint,
    now: deps.now ?? Date.now,
    ledger: deps.ledger ?? new UsageLedger(),
    metrics: new GatewayMetrics(deps.metrics ?? new Registry()),
    log,
    transcript: deps.transcriptDir ? new TranscriptWriter(deps.transcriptDir, log) : undefined,
    policy: { ...DEFAULT_RETRY, ...deps.retry },
    dispatcher: deps.dispatcher,
    events: deps.events ?? {},
  };
  app.addHook('onClose', async () => ctx.transcript?.close());
  for (const api of ['openai', 'anthropic'] as const) {
    app.post(LLM_ROUTES[api], {
      bodyLimit: deps.bodyLimit ?? 32 * 1024 * 1024,
      schema: {
        tags: ['llm'],
        summary: api === 'openai' ? 'OpenAI chat completions for an AgentTask' : 'Anthropic messages for an AgentTask',
        operationId: api === 'openai' ? 'llmOpenAiChatCompletions' : 'llmAnthropicMessages',
        params: { type: 'object', required: ['namespace', 'task'], properties: { namespace: NAME, task: NAME } },
        body: { type: 'object' },
      },
      handler: (req, reply) => handle(ctx, api, req as FastifyRequest<{ Params: { namespace: string; task: string } }>, reply),
    });
  }
  return { ledger: ctx.ledger, metrics: ctx.metrics, usage: (t) => ctx.ledger.snapshot(t), flush: () => ctx.transcript?.flush() ?? Promise.resolve(), close: () => ctx.transcript?.close() ?? Promise.resolve() };
}

async function handle(ctx: Ctx, api: LlmApi, req: FastifyRequest<{ Params: { namespace: string; task: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const task: TaskKey = { namespace: req.params.namespace, name: req.params.task };
  const body = req.body as Record<string, unknown>;
  const requestedModel = typeof body.model === 'string' && body.model ? body.model.slice(0, 128) : 'unknown';
  let run: Run | undefined;
  try {
    const { identity, token } = await authenticate(ctx, req.headers, task);
    const obj = await ctx.loadTask(task);
    if (!obj) throw new GatewayError(404, 'TaskNotFound', `AgentTask ${task.namespace}/${task.name} does not exist`);
    run = { api, task, attempt: obj.status?.attempt ?? 0, pod: identity.podName, requestedModel, body, stream: body.stream === true, started: performance.now(), retries: 0, redact: createRedactor([token]) };
    checkBudget(ctx, run, obj);
    const endpoint = await ctx.loadEndpoint(obj);
    run.redact = createRedactor([token, endpoint.apiKey]);
    return await forward(ctx, run, { endpoint, headers: req.headers, reply });
  } catch (err) {
    return sendError(ctx, { api, task, run, requestedModel, reply }, err);
  }
}

const LLM_CHALLENGE = { routes: 'LLM', wwwAuthenticate: 'Bearer realm="weft"', howToSend: 'as "Authorization: Bearer <token>" or "x-api-key"', headers: { 'x-should-retry': 'false' } };

async function authenticate(ctx: Ctx, headers: FastifyRequest['headers'], task: TaskKey): Promise<{ identity: TokenIdentity; token: string }> {
  const token = bearerToken(headers);
  const identity = await authenticateAgent(ctx.verifier, { token, task, challenge: LLM_CHALLENGE });
  return { identity, token: token! };
}

function checkBudget(ctx: Ctx, run: Run, obj: AgentTask): void {
  const verdict = spentBudget({ task: run.task, budget: obj.spec.budget, use: ctx.ledger.use(run.task), now: ctx.now() });
  if (!verdict) return;
  ctx.metrics.budgetExceeded.inc({ namespace: run.task.namespace, task: run.task.name, budget: verdict.budget });
  ctx.events.onBudgetExceeded?.({ ...verdict, task: run.task });
  throw new BudgetError(verdict);
}

/** A spent budget, answered with 429 and the budget's details. */
class BudgetError extends GatewayError {
  constructor(readonly verdict: BudgetVerdict) {
    super(429, 'BudgetExceeded', verdict.message, { headers: { 'x-should-retry': 'false' } });
  }
}

/** Prepares the body: OpenAI streams are asked for usage so that tokens can be counted. */
function upstreamBody(run: Run): { text: string; addedUsage: boolean } {
  const so = run.body.stream_options as { include_usage?: boolean } | undefined;
  if (run.api !== 'openai' || !run.stream || so?.include_usage === true) return { text: JSON.stringify(run.body), addedUsage: false };
  return { text: JSON.stringify({ ...run.body, stream_options: { ...so, include_usage: true } }), addedUsage: true };
}

async function forward(ctx: Ctx, run: Run, io: { endpoint: LlmEndpoint; headers: FastifyRequest['headers']; reply: FastifyReply }): Promise<FastifyReply> {
  const { reply } = io;
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  ctx.ledger.begin(run.task, ctx.now());
  const { text, addedUsage } = upstreamBody(run);
  let up: UpstreamReply;
  try {
    up = await callUpstream(
      { api: run.api, endpoint: io.endpoint, body: text, headers: forwardedRequestHeaders(io.headers), signal: abort.signal },
      {
        policy: ctx.policy,
        now: ctx.now,
        ...(ctx.dispatcher ? { dispatcher: ctx.dispatcher } : {}),
        onRetry: (info) => {
          run.retries = info.retry + 1;
          ctx.metrics.retries.inc({ api: run.api });
          ctx.log?.info({ namespace: run.task.namespace, task: run.task.name, ...info }, 'retrying the LLM upstream');
        },
      },
    );
  } catch (err) {
    finish(ctx, run, { status: err instanceof GatewayError ? err.status : 502, error: err instanceof Error ? err.message : String(err) });
    throw new Forwarded(err);
  }
  run.retries = up.retries;
  reply.code(up.statusCode).headers(forwardedReplyHeaders(up.headers));
  if (up.retries > 0) reply.header('x-weft-upstream-retries', String(up.retries));
  const contentType = String(up.headers['content-type'] ?? '');
  if (up.statusCode === 200 && contentType.includes('text/event-stream')) return deliverStream(ctx, run, { up, reply, addedUsage });
  return deliverJson(ctx, run, up, reply);
}

/** An error after the request was counted (finish already ran): only the reply is left to send. */
class Forwarded extends Error {
  constructor(readonly inner: unknown) {
    super(inner instanceof Error ? inner.message : String(inner));
  }
}

async function deliverJson(ctx: Ctx, run: Run, up: UpstreamReply, reply: FastifyReply): Promise<FastifyReply> {
  let text: string;
  try {
    text = await up.body.text();
  } catch (err) {
    const cut = reply.raw.destroyed
      ? new GatewayError(499, 'ClientClosedRequest', 'the agent closed the connection before the reply', { cause: err })
      : new GatewayError(502, 'UpstreamUnreachable', `the LLM endpoint closed the connection in the middle of its reply (${(err as { code?: string }).code ?? String(err)})`, { cause: err });
    finish(ctx, run, { status: cut.status, error: cut.message });
    throw new Forwarded(cut);
  }
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's HTML error page): passed on and transcribed as text.
  }
  const reading = up.statusCode < 300 ? usageOfBody(run.api, parsed) : undefined;
  finish(ctx, run, { status: up.statusCode, ...(reading ? { reading } : {}), response: parsed, ...(up.statusCode >= 400 ? { error: upstreamMessage(parsed, up.statusCode) } : {}) });
  return reply.send(text);
}

function deliverStream(ctx: Ctx, run: Run, io: { up: UpstreamReply; reply: FastifyReply; addedUsage: boolean }): FastifyReply {
  const tap = new SseTap({ api: run.api, dropUsageChunk: io.addedUsage, keepBytes: ctx.transcript ? undefined : 0 });
  // Piped by hand, not with stream.pipeline: that makes and aborts an AbortController per call,
  // whose AbortError (a DOMException with its stack) was a measurable share of the gateway's CPU.
  const upstream = io.up.body;
  upstream.once('error', (err) => tap.destroy(err));
  upstream.pipe(tap);
  finished(tap, { readable: false }, (err) => {
    if (err) upstream.destroy();
    // The message is assembled from the events for the transcript, later, off the reply's path.
    const response = () => ({ stream: assembleStream(run.api, tap.events), events: tap.events.length, ...(tap.truncated ? { truncated: true } : {}) });
    finish(ctx, run, { status: 200, reading: tap.reading(), lazyResponse: response, ...(err ? { error: `stream interrupted: ${err.message}` } : {}) });
  });
  return io.reply.send(tap);
}

function upstreamMessage(body: unknown, status: number): string {
  const m = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return `upstream answered ${status}${typeof m === 'string' ? `: ${m}` : ''}`;
}

type Outcome = { status: number; reading?: UsageReading; response?: unknown; lazyResponse?: () => unknown; error?: string };

/** Counts, meters and transcribes a forwarded request once it is over. */
function finish(ctx: Ctx, run: Run, out: Outcome): void {
  const model = out.reading?.model?.slice(0, 128) ?? run.requestedModel;
  const counts = out.reading ?? { input: 0, output: 0, cached: 0 };
  ctx.ledger.end(run.task, model, counts);
  const labels = { namespace: run.task.namespace, task: run.task.name, model: out.status < 300 ? model : 'unknown' };
  ctx.metrics.requests.inc({ ...labels, code: String(out.status) });
  if (out.reading?.seen) {
    for (const kind of ['input', 'output', 'cached'] as const) ctx.metrics.tokens.inc({ ...labels, kind }, counts[kind]);
  }
  const durationMs = performance.now() - run.started;
  ctx.metrics.duration.observe({ api: run.api, stream: String(run.stream) }, durationMs / 1000);
  transcribe(ctx, run, { ...out, model, durationMs });
  traceCall(ctx, run, { model, status: out.status, durationMs, ...counts });
  ctx.events.onUsage?.(run.task, ctx.ledger.snapshot(run.task));
  if (out.status === 429 || out.status >= 500) ctx.events.onUpstreamFailure?.({ task: run.task, status: out.status, message: out.error ?? `upstream answered ${out.status}`, retries: run.retries });
}

/** The call as a child span of the task's run trace, when tracing is on and the run is in this process. */
function traceCall(ctx: Ctx, run: Run, call: { model: string; status: number; durationMs: number; input: number; output: number; cached: number }): void {
  const parent = ctx.events.traceContext?.(run.task);
  if (parent) recordLlmSpan(parent, { api: run.api, stream: run.stream, ...call });
}

function transcribe(ctx: Ctx, run: Run, out: Outcome & { model: string; durationMs: number }): void {
  const r = out.reading;
  const time = ctx.now();
  ctx.transcript?.write(
    () => ({
      time: new Date(time).toISOString(),
      task: run.task,
      attempt: run.attempt,
      ...(run.pod ? { pod: run.pod } : {}),
      api: run.api,
      model: out.model,
      stream: run.stream,
      status: out.status,
      retries: run.retries,
      durationMs: Math.round(out.durationMs),
      ...(r?.seen ? { usage: { input: r.input, output: r.output, cached: r.cached } } : {}),
      request: run.body,
      ...(out.lazyResponse ? { response: out.lazyResponse() } : out.response !== undefined ? { response: out.response } : {}),
      ...(out.error ? { error: out.error } : {}),
    }),
    run.redact,
  );
}

function sendError(ctx: Ctx, at: { api: LlmApi; task: TaskKey; run: Run | undefined; requestedModel: string; reply: FastifyReply }, thrown: unknown): FastifyReply {
  const counted = thrown instanceof Forwarded;
  const err = counted ? thrown.inner : thrown;
  const gw = err instanceof GatewayError ? err : new GatewayError(500, 'BadRequest', `internal error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  if (!counted) {
    ctx.metrics.requests.inc({ namespace: at.task.namespace, task: at.task.name, model: 'unknown', code: String(gw.status) });
    // Authenticated requests refused before forwarding (budget, endpoint) still go to the transcript.
    if (at.run) ctx.transcript?.write({ time: new Date(ctx.now()).toISOString(), task: at.task, attempt: at.run.attempt, api: at.api, model: at.requestedModel, stream: at.run.stream, status: gw.status, retries: 0, durationMs: 0, request: at.run.body, error: gw.message }, at.run.redact);
  }
  const level = gw.status >= 500 ? 'warn' : 'info';
  ctx.log?.[level]({ namespace: at.task.namespace, task: at.task.name, status: gw.status, code: gw.code, err: gw.message }, 'LLM request refused');
  const details = gw instanceof BudgetError ? { budget: gw.verdict.budget, limit: gw.verdict.limit, used: gw.verdict.used } : {};
  return at.reply.code(gw.status).headers(gw.headers).send(errorReply(at.api, gw, details));
}
