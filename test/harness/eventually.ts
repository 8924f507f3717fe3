export interface EventuallyOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between tries (default 100 ms). */
  intervalMs?: number;
  /** What is awaited, for the failure message. */
  description?: string;
}

/**
 * Retries `fn` until it returns without throwing (assertions included) and returns its value; on
 * timeout, throws the last error with the description. The polling replacement for fixed sleeps.
 * @example await eventually(async () => expect((await get()).status?.phase).toBe('Running'))
 */
export async function eventually<T>(fn: () => Promise<T> | T, opts: EventuallyOptions = {}): Promise<T> {
  const timeout = opts.timeoutMs ?? 30_000;
  const interval = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, interval));
  }
  const why = last instanceof Error ? last.message : String(last);
  const error = new Error(`eventually: ${opts.description ?? 'condition'} not met within ${timeout} ms: ${why}`);
  (error as Error & { cause?: unknown }).cause = last;
  throw error;
}
