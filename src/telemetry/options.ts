// Tracing options without the SDK: the CLI and the config parser load this, not @opentelemetry/sdk-node.

/** The instrumentation scope of every Weft span. */
export const TRACER_NAME = 'weft';

/** Options of `startTracing` (./tracing.ts). */
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
