/** Exponential backoff settings. */
export interface BackoffOptions {
  /** First delay (ms). */
  baseMs: number;
  /** Largest delay (ms). */
  capMs: number;
  /** Fraction of random jitter added, 0..1 (0.1 = up to +10 %). */
  jitter?: number;
}

/**
 * The delay before retry number `failures` (1-based): base·2^(failures-1), capped, plus jitter so
 * that many failing keys do not retry in lockstep.
 * @example backoffDelay(3, { baseMs: 100, capMs: 10_000 }) // 400 (+ jitter)
 */
export function backoffDelay(failures: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 52)));
  const jitter = opts.jitter ?? 0;
  return Math.min(opts.capMs, Math.round(exp * (1 + jitter * random())));
}

/**
 * A token bucket limiting the overall rate at which keys are handed out (as client-go's
 * BucketRateLimiter does), so a burst of failures cannot flood the apiserver.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Reserves one token and returns how long (ms) the caller must wait before using it. */
  reserve(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}
