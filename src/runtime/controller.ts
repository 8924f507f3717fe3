import type { Context } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorMessage, isConflict, TerminalError } from './errors.js';
import { splitKey } from './informer.js';
import type { DegradedReporter } from './degraded.js';
import type { RuntimeMetrics } from './metrics.js';
import type { ResourceType } from './rest.js';
import { WorkQueue } from './workqueue.js';
import { traceReconcile } from './trace.js';

/** What a reconcile asks of the runtime after it returns. */
export interface ReconcileResult {
  /** Reconcile this key again after this many ms (e.g. to re-probe or check a heartbeat). */
  requeueAfterMs?: number;
  /** The key was not this replica's to reconcile (another shard's, docs/deploy.md "Canary"): nothing was done. */
  skipped?: boolean;
}

/** Passed to every reconcile: the key and a child logger tagged with it. */
export interface ReconcileRequest {
  key: string;
  namespace?: string;
  name: string;
  log: Logger;
  reconcileId: string;
}

/** A watch on another resource type whose events map to keys of the controller's own kind. */
export interface Watches {
  type: ResourceType;
  /** Watch only this namespace (default: all). */
  namespace?: string;
  map: (obj: KubernetesObject) => string[];
}

/**
 * A controller: the kind it reconciles, what else it watches, and the level-based reconcile
 * function. Reconcile re-reads the object (never trust the event), throws to retry with backoff,
 * throws TerminalError to stop retrying (the object then shows `Degraded=True` with its reason).
 */
export interface ControllerSpec {
  name: string;
  for: ResourceType;
  /** Children that carry a controller ownerReference to the `for` kind: their events enqueue the owner. */
  owns?: Array<ResourceType | { type: ResourceType; labelSelector: string }>;
  watches?: Watches[];
  reconcile(req: ReconcileRequest): Promise<ReconcileResult | void>;
  /** Parallel workers (different keys only; default 2). */
  concurrency?: number;
  /**
   * The trace a reconcile of this key belongs to (an OpenTelemetry context, e.g. the run span of a
   * Job): its `reconcile <kind>` span becomes a child there instead of a new trace.
   */
  traceContext?: (key: string) => Context | undefined;
}

/** Runs one controller's workers over its queue. Created by the Manager. */
export class ControllerRunner {
  readonly queue: WorkQueue;
  private running = false;
  private workers: Promise<void>[] = [];

  constructor(
    readonly spec: ControllerSpec,
    private readonly log: Logger,
    private readonly metrics: RuntimeMetrics,
    /** Sets the Degraded condition on a TerminalError (and clears it after a success). */
    private readonly degraded?: DegradedReporter,
  ) {
    const name = spec.name;
    this.queue = new WorkQueue({
      metrics: {
        depth: (n) => metrics.queueDepth.labels(name).set(n),
        latency: (s) => metrics.queueLatency.labels(name).observe(s),
        retried: () => metrics.queueRetries.labels(name).inc(),
      },
    });
  }

  /** Starts the workers (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.workers = Array.from({ length: this.spec.concurrency ?? 2 }, () => this.worker());
  }

  /** Stops taking keys and waits for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.queue.shutdown();
    await Promise.all(this.workers);
  }

  private async worker(): Promise<void> {
    while (this.running) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileKey(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Runs reconcile for one key and applies the retry policy. Exposed for tests. */
  async reconcileKey(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const reconcileId = randomBytes(4).toString('hex');
    const log = this.log.child({ controller: this.spec.name, namespace, name, reconcileId });
    const timer = this.metrics.reconcileDuration.labels(this.spec.name).startTimer();
    try {
      const about = { kind: this.spec.for.kind.toLowerCase(), controller: this.spec.name, namespace, name, reconcileId };
      const result = await traceReconcile(about, () => this.spec.reconcile({ key, namespace, name, log, reconcileId }), this.spec.traceContext?.(key));
      this.queue.forget(key);
      if (result?.skipped) {
        this.metrics.reconcileTotal.labels(this.spec.name, 'skipped').inc();
        return;
      }
      await this.degraded?.succeeded(this.spec.for, key);
      // At debug level every reconcile is visible per object (what a canary check or a log search reads).
      log.debug({ requeueAfterMs: result?.requeueAfterMs }, 'reconciled');
      if (result?.requeueAfterMs) {
        this.queue.addAfter(key, result.requeueAfterMs);
        this.metrics.reconcileTotal.labels(this.spec.name, 'requeue_after').inc();
      } else {
        this.metrics.reconcileTotal.labels(this.spec.name, 'success').inc();
      }
    } catch (err) {
      this.metrics.reconcileErrors.labels(this.spec.name).inc();
      if (err instanceof TerminalError) {
        this.queue.forget(key);
        this.metrics.reconcileTotal.labels(this.spec.name, 'terminal').inc();
        log.error({ err: errorMessage(err), reason: err.reason }, 'reconcile failed permanently; not retrying (condition Degraded)');
        await this.degraded?.terminal(this.spec.for, key, err);
      } else {
        const delay = this.queue.addRateLimited(key);
        this.metrics.reconcileTotal.labels(this.spec.name, 'error').inc();
        // A conflict only means the cache was a write behind (two controllers share a status): retry quietly.
        const level = isConflict(err) ? 'debug' : 'warn';
        log[level]({ err: errorMessage(err), retryInMs: delay, attempt: this.queue.retries(key) }, 'reconcile failed; retrying');
      }
    } finally {
      timer();
    }
  }
}
