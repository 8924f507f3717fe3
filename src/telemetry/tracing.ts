import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';

/** The instrumentation scope of every Weft span. */
export const TRACER_NAME = 'weft';

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /**
   * OTLP/HTTP endpoint, e.g. `http://127.0.0.1:4318`: spans go to `<endpoint>/v1/traces` (a URL that
   * already ends in `/v1/traces` is used as is). Tracing is off without one.
   */
  endpoint?: string;
  /** `service.name` of the spans (default `weft-operator`). */
  serviceName?: string;
  /** More resource attributes, e.g. `{ 'service.version': '0.1.0' }`. */
  resourceAttributes?: Record<string, string>;
  /** Headers for the collector, e.g. an authorization token. */
  headers?: Record<string, string>;
  /** Export every span when it ends instead of in batches (tests, short-lived CLIs). */
  exportImmediately?: boolean;
}

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

/**
 * Tracing options from the standard environment: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (a full URL)
 * or `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL), `OTEL_SERVICE_NAME`; `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none` turns tracing off.
 */
export function tracingOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TracingOptions {
  const off = env.OTEL_SDK_DISABLED?.toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER?.toLowerCase() === 'none';
  const endpoint = off ? undefined : env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  return { endpoint, serviceName: env.OTEL_SERVICE_NAME || undefined };
}

/** The `/v1/traces` URL of an OTLP/HTTP endpoint; a TypeError names a malformed one. */
export function tracesUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`OTLP endpoint "${endpoint}" is not a URL (e.g. http://otel-collector:4318)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`OTLP endpoint "${endpoint}" must be http:// or https:// (OTLP/HTTP)`);
  return url.pathname.endsWith('/v1/traces') ? url.href : `${url.href.replace(/\/+$/, '')}/v1/traces`;
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
