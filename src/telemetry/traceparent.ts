import { context, isSpanContextValid, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';

/** The environment variable that carries a run's trace context into its pod. */
export const TRACEPARENT_ENV = 'TRACEPARENT';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The W3C `traceparent` of a span context (`00-<trace id>-<span id>-<flags>`), or undefined for an
 * invalid (no-op) one: with tracing off there is nothing to propagate.
 */
export function formatTraceparent(sc: SpanContext): string | undefined {
  if (!isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`;
}

/**
 * Parses a W3C `traceparent` header (version 00, or a later version read as 00 as the spec asks) into
 * a remote span context; undefined when it is malformed or all-zero.
 */
export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  const m = TRACEPARENT.exec(value?.trim().toLowerCase() ?? '');
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined;
  const sc: SpanContext = { traceId: m[2]!, spanId: m[3]!, traceFlags: parseInt(m[4]!, 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(sc) ? sc : undefined;
}

/**
 * A context whose parent is the span a `traceparent` names: spans started in it join that trace.
 * With a missing or malformed value, `base` unchanged.
 */
export function contextFromTraceparent(value: string | undefined, base: Context = context.active()): Context {
  const sc = parseTraceparent(value);
  return sc ? trace.setSpanContext(base, sc) : base;
}

/**
 * What a pod's step or agent runner calls first: the context of the run's span from `TRACEPARENT`,
 * so its own spans (clone, setup, test, upload, LLM calls) become children of the run.
 */
export function contextFromEnv(env: NodeJS.ProcessEnv = process.env, base: Context = context.active()): Context {
  return contextFromTraceparent(env[TRACEPARENT_ENV], base);
}
