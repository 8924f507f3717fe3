import { Counter, Histogram, type Registry } from 'prom-client';

/** The git gateway's Prometheus metrics (registered on the operator's registry, like {@link GatewayMetrics}). */
export class GitGatewayMetrics {
  /**
   * `weft_git_requests_total{service,outcome}`: service = upload-pack | receive-pack; outcome =
   * ok | refused (branch scope) | rejected (receive-pack refused, e.g. non-fast-forward) |
   * unauthenticated | forbidden | not_found | upstream_failed | error.
   */
  readonly requests: Counter<'service' | 'outcome'>;
  /** `weft_git_bytes_total{service,direction}`: request bodies (`in`) and replies (`out`). */
  readonly bytes: Counter<'service' | 'direction'>;
  /** `weft_git_upstream_duration_seconds{operation}`: fetches into mirrors and pushes to forges. */
  readonly upstream: Histogram<'operation' | 'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: 'weft_git_requests_total', help: 'Git gateway requests per service and outcome', labelNames: ['service', 'outcome'], registers });
    this.bytes = new Counter({ name: 'weft_git_bytes_total', help: 'Git gateway bytes per service, in (request bodies) and out (replies)', labelNames: ['service', 'direction'], registers });
    this.upstream = new Histogram({
      name: 'weft_git_upstream_duration_seconds',
      help: 'Time of the git gateway\'s calls to the real forge (fetch into a mirror, push of the task branch)',
      labelNames: ['operation', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
  }
}
