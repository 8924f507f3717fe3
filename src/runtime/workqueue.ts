import { backoffDelay, TokenBucket, type BackoffOptions } from './backoff.js';

/** Observes the queue (metrics); every hook is optional. */
export interface QueueMetrics {
  depth?(n: number): void;
  added?(): void;
  /** Seconds a key waited between becoming ready and being handed to a worker. */
  latency?(seconds: number): void;
  retried?(): void;
}

export interface WorkQueueOptions {
  /** Per-key exponential backoff for `addRateLimited` (default 100 ms doubling to 5 min, 10 % jitter). */
  backoff?: BackoffOptions;
  /** Overall rate limit of retries: queries per second and burst (default 50 qps, burst 300). */
  qps?: number;
  burst?: number;
  metrics?: QueueMetrics;
  now?: () => number;
}

/**
 * A work queue of keys (`namespace/name`) with the semantics of client-go's rate-limited queue:
 * - a key is queued at most once however often it is added (de-duplication);
 * - a key being processed is never handed to a second worker; adding it meanwhile marks it dirty and
 *   it is queued again when `done` is called (per-key serialisation);
 * - `addAfter` delays a key (requeueAfter); `addRateLimited` delays it by its exponential backoff,
 *   which `forget` resets after a success.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly readyAt = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly bucket: TokenBucket;
  private readonly backoff: BackoffOptions;
  private readonly now: () => number;
  private shuttingDown = false;

  constructor(private readonly opts: WorkQueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.backoff = opts.backoff ?? { baseMs: 100, capMs: 300_000, jitter: 0.1 };
    this.bucket = new TokenBucket(opts.qps ?? 50, opts.burst ?? 300, this.now);
  }

  /** Number of keys waiting to be handed out (not counting delayed or in-flight ones). */
  get length(): number {
    return this.queue.length;
  }

  /** Keys in flight. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Queues `key` now (no-op if already queued; marked dirty if being processed). */
  add(key: string): void {
    if (this.shuttingDown) return;
    this.cancelTimer(key);
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.opts.metrics?.added?.();
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      this.opts.metrics?.latency?.(0);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.readyAt.set(key, this.now());
    this.queue.push(key);
    this.opts.metrics?.depth?.(this.queue.length);
  }

  /** Queues `key` after `ms`; an earlier pending delay for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    this.cancelTimer(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Queues `key` after its per-key backoff (and the overall rate limit); returns the delay. */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.max(backoffDelay(n, this.backoff), this.bucket.reserve());
    this.opts.metrics?.retried?.();
    this.addAfter(key, delay);
    return delay;
  }

  /** How many times `key` has failed since it was last forgotten. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resets the backoff of `key` (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Waits for the next key; resolves undefined once the queue shuts down. Call `done(key)` after. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      const since = this.readyAt.get(key);
      this.readyAt.delete(key);
      if (since !== undefined) this.opts.metrics?.latency?.((this.now() - since) / 1000);
      this.opts.metrics?.depth?.(this.queue.length);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` finished; if it was added while in flight, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Stops handing out keys; waiting `get` calls resolve undefined. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private cancelTimer(key: string): void {
    const t = this.timers.get(key);
    if (t) {
      clearTimeout(t.timer);
      this.timers.delete(key);
    }
  }
}
