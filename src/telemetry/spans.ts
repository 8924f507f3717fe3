import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { formatTraceparent, TRACEPARENT_ENV } from './traceparent.js';
import { TRACER_NAME } from './options.js';

// The global tracer: a no-op until startTracing (./tracing.ts) registers the SDK; importing this
// module does not load the SDK.
const weftTracer = () => trace.getTracer(TRACER_NAME);

/** Options of {@link withSpan}. */
export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Parent context (default: the active one). */
  parent?: Context;
  /** Start a new trace even when a span is active. */
  root?: boolean;
}

/**
 * Runs `fn` in a new active span named `name`: an exception is recorded on the span, sets its status
 * to ERROR and is rethrown; the span always ends. With tracing off the span is a no-op.
 * @example const pods = await withSpan('list pods', { attributes: { 'k8s.namespace.name': ns } }, () => listPods(ns));
 */
export async function withSpan<T>(name: string, opts: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
  const parent = opts.parent ?? context.active();
  return weftTracer().startActiveSpan(name, { attributes: opts.attributes, kind: opts.kind ?? SpanKind.INTERNAL, root: opts.root }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : new Error(String(err)));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** An object a span is about. */
export interface ObjectKey {
  namespace?: string;
  name: string;
}

/**
 * Wraps one reconcile of `kind` in a span `reconcile <kind>` with the object's namespace and name.
 * @example await traceReconcile('job', { namespace, name }, () => reconciler.reconcile(key));
 */
export function traceReconcile<T>(kind: string, key: ObjectKey, fn: (span: Span) => Promise<T> | T): Promise<T> {
  return withSpan(`reconcile ${kind}`, { attributes: objectAttributes(kind, key) }, fn);
}

/**
 * Wraps one admission webhook call in a server span `webhook <kind> <operation>`.
 * @example await traceWebhook('job', 'CREATE', { namespace, name }, () => validateCreate(obj));
 */
export function traceWebhook<T>(kind: string, operation: string, key: ObjectKey, fn: (span: Span) => Promise<T> | T): Promise<T> {
  return withSpan(`webhook ${kind} ${operation}`, { kind: SpanKind.SERVER, attributes: { ...objectAttributes(kind, key), 'weft.admission.operation': operation } }, fn);
}

function objectAttributes(kind: string, key: ObjectKey): Attributes {
  return { 'weft.kind': kind, 'weft.name': key.name, ...(key.namespace ? { 'k8s.namespace.name': key.namespace } : {}) };
}

/** Identifies a run of a Job or AgentTask for its span. */
export interface RunSpanRef {
  namespace: string;
  kind: string;
  name: string;
  attempt: number;
  template?: string;
}

/** A run's root span and how to hand its context to the pod. */
export interface RunSpan {
  span: Span;
  /** W3C trace id (32 hex digits) for `status.traceId`; undefined while tracing is off. */
  traceId?: string;
  /** W3C `traceparent` of the run span; undefined while tracing is off. */
  traceparent?: string;
  /** The context to start the run's other spans in (children of the run span). */
  context: Context;
  /** Env entries for the pod (`TRACEPARENT`), empty while tracing is off. */
  podEnv(): Array<{ name: string; value: string }>;
  /** Ends the run span with its outcome (`Succeeded` → OK, anything else → ERROR). */
  end(outcome: string, message?: string): void;
}

/**
 * Starts the root span of a Job or AgentTask run (`run <kind>`, a new trace). Its `traceparent`
 * goes into the pod's env so that template steps and the agent runner add child spans.
 * @example
 * const run = startRunSpan({ namespace, kind: 'job', name, attempt: 1, template: 'ci' });
 * pod.spec.containers[0].env.push(...run.podEnv());
 * // … when the run finishes
 * run.end('Succeeded');
 */
export function startRunSpan(ref: RunSpanRef): RunSpan {
  const attributes: Attributes = {
    ...objectAttributes(ref.kind, ref),
    'weft.attempt': ref.attempt,
    ...(ref.template ? { 'weft.template': ref.template } : {}),
  };
  const span = weftTracer().startSpan(`run ${ref.kind}`, { root: true, kind: SpanKind.INTERNAL, attributes });
  const traceparent = formatTraceparent(span.spanContext());
  return {
    span,
    traceId: traceparent ? span.spanContext().traceId : undefined,
    traceparent,
    context: trace.setSpan(context.active(), span),
    podEnv: () => (traceparent ? [{ name: TRACEPARENT_ENV, value: traceparent }] : []),
    end(outcome, message) {
      span.setAttribute('weft.outcome', outcome);
      span.setStatus(outcome === 'Succeeded' ? { code: SpanStatusCode.OK } : { code: SpanStatusCode.ERROR, message: message ?? outcome });
      span.end();
    },
  };
}

/** One LLM call the gateway forwarded, as it ended. */
export interface LlmCall {
  api: string;
  model: string;
  status: number;
  stream: boolean;
  durationMs: number;
  input: number;
  output: number;
  cached: number;
}

/**
 * Records a forwarded LLM call as a finished child span `llm <api>` of `parent` (the agent task's
 * run), with the GenAI semantic-convention attributes for the model and token counts.
 */
export function recordLlmSpan(parent: Context, call: LlmCall): void {
  const end = Date.now();
  const span = weftTracer().startSpan(
    `llm ${call.api}`,
    {
      kind: SpanKind.CLIENT,
      startTime: end - call.durationMs,
      attributes: {
        'gen_ai.system': call.api,
        'gen_ai.request.model': call.model,
        'gen_ai.usage.input_tokens': call.input,
        'gen_ai.usage.output_tokens': call.output,
        'weft.llm.cached_tokens': call.cached,
        'weft.llm.stream': call.stream,
        'http.response.status_code': call.status,
      },
    },
    parent,
  );
  if (call.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `upstream answered ${call.status}` });
  span.end(end);
}
