import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { TRACER_NAME, tracesUrl, type TracingOptions } from './options.js';

export { TRACER_NAME, tracesUrl, tracingOptionsFromEnv, type TracingOptions } from './options.js';

/** Tracing as started by {@link startTracing}: on (exporting) or off (no-op spans, nothing sent). */
export interface Tracing {
  readonly enabled: boolean;
  /** Where spans go, when enabled. */
  readonly url?: string;
  readonly tracer: Tracer;
  /** Sends the spans that ended so far. */
  flush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the global providers (a later start works again). */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/**
 * Starts OpenTelemetry tracing for this process with `@opentelemetry/sdk-node`: OTLP/HTTP (protobuf)
 * export, W3C trace context propagation, no auto-instrumentation, no metrics or logs (those stay on
 * `/metrics` and pino). Without an endpoint it returns a disabled {@link Tracing} whose spans are
 * no-ops. One tracing per process: starting again first shuts the previous one down.
 *
 * @example
 * const tracing = await startTracing(tracingOptionsFromEnv());
 * await traceReconcile('job', { namespace, name }, () => reconcile(key));
 * await tracing.shutdown();
 */
export async function startTracing(opts: TracingOptions = {}): Promise<Tracing> {
  await active?.shutdown();
  if (!opts.endpoint) {
    active = undefined;
    return disabledTracing();
  }
  const url = tracesUrl(opts.endpoint);
  const exporter = new OTLPTraceExporter({ url, headers: opts.headers });
  const processor: SpanProcessor = opts.exportImmediately ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 });
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName ?? 'weft-operator', ...opts.resourceAttributes }),
    autoDetectResources: false,
    spanProcessors: [processor],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
    textMapPropagator: new W3CTraceContextPropagator(),
  });
  sdk.start();
  const tracing: Tracing = {
    enabled: true,
    url,
    tracer: trace.getTracer(TRACER_NAME),
    flush: () => processor.forceFlush(),
    async shutdown() {
      if (active === tracing) active = undefined;
      await processor.forceFlush();
      await sdk.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  active = tracing;
  return tracing;
}

/** The tracer of the running tracing (a no-op tracer while tracing is off). */
export function weftTracer(): Tracer {
  return active?.tracer ?? trace.getTracer(TRACER_NAME);
}

function disabledTracing(): Tracing {
  return { enabled: false, tracer: trace.getTracer(TRACER_NAME), flush: async () => {}, shutdown: async () => {} };
}
