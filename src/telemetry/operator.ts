import type { Logger } from 'pino';

/**
 * Starts the operator's tracing when it is configured (`--otlp-endpoint` /
 * `OTEL_EXPORTER_OTLP_ENDPOINT`) and returns what stops it (flushing what is left). Off by default:
 * then nothing is started, the process-wide OpenTelemetry state is left as it is, and the runtime's
 * reconcile spans and the webhook spans stay no-ops.
 */
export async function startOperatorTracing(cfg: { tracing?: { endpoint: string; serviceName?: string } }, log: Logger): Promise<() => Promise<void>> {
  if (!cfg.tracing) return async () => {};
  const { startTracing } = await import('./tracing.js'); // the SDK is loaded only when tracing is on
  const tracing = await startTracing({ endpoint: cfg.tracing.endpoint, serviceName: cfg.tracing.serviceName ?? 'weft-operator' });
  log.info({ otlp: tracing.url }, 'exporting traces (reconcile and webhook spans)');
  return () => tracing.shutdown();
}
