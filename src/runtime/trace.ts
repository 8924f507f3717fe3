import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';

/**
 * Runs one reconcile in an active span `reconcile <kind>` (attributes `weft.kind`, `weft.name`,
 * `k8s.namespace.name`, `weft.controller`, `weft.reconcile_id`), a child of `parent` when given (a
 * run's trace); an exception marks the span as an
 * error. Only `@opentelemetry/api`: the span is a no-op until the operator starts the SDK
 * (`--otlp-endpoint`, src/telemetry/tracing.ts), so the runtime stays independent of exporters.
 * @example await traceReconcile({ kind: 'job', controller: 'job', namespace, name, reconcileId }, () => spec.reconcile(req));
 */
export function traceReconcile<T>(about: { kind: string; controller: string; namespace?: string; name: string; reconcileId: string }, fn: (span: Span) => Promise<T>, parent?: Context): Promise<T> {
  const attributes = {
    'weft.kind': about.kind,
    'weft.name': about.name,
    'weft.controller': about.controller,
    'weft.reconcile_id': about.reconcileId,
    ...(about.namespace ? { 'k8s.namespace.name': about.namespace } : {}),
  };
  return trace.getTracer('weft').startActiveSpan(`reconcile ${about.kind}`, { kind: SpanKind.INTERNAL, attributes }, parent ?? context.active(), async (span) => {
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
