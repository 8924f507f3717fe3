import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The operator runtime's Prometheus metrics (names follow controller-runtime's, prefixed `weft_`). */
export class RuntimeMetrics {
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly queueDepth: Gauge<'name'>;
  readonly queueLatency: Histogram<'name'>;
  readonly queueRetries: Counter<'name'>;
  readonly watchRestarts: Counter<'resource'>;
  readonly leader: Gauge<'lease'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.reconcileTotal = new Counter({
      name: 'weft_controller_reconcile_total',
      help: 'Reconciles per controller and result (success, error, requeue, requeue_after, terminal, skipped: another shard\'s key)',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'weft_controller_reconcile_errors_total',
      help: 'Reconciles that returned an error',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'weft_controller_reconcile_time_seconds',
      help: 'Time per reconcile',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'weft_workqueue_depth', help: 'Keys waiting in the work queue', labelNames: ['name'], registers });
    this.queueLatency = new Histogram({
      name: 'weft_workqueue_queue_duration_seconds',
      help: 'How long a key waits in the queue before a worker takes it',
      labelNames: ['name'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
      registers,
    });
    this.queueRetries = new Counter({ name: 'weft_workqueue_retries_total', help: 'Rate-limited requeues', labelNames: ['name'], registers });
    this.watchRestarts = new Counter({
      name: 'weft_watch_restarts_total',
      help: 'Watches restarted after an error or a silent period',
      labelNames: ['resource'],
      registers,
    });
    this.leader = new Gauge({ name: 'weft_leader_election_master_status', help: '1 while this replica holds the leader lease', labelNames: ['lease'], registers });
  }
}
