/** How the gateway retries an upstream that answers 429/5xx or cannot be connected to. */
export interface RetryPolicy {
  /** Retries after the first try (default 3). */
  maxRetries: number;
  /** First backoff; doubled each retry (default 250 ms). */
  baseDelayMs: number;
  /** Largest backoff (default 8 s). */
  maxDelayMs: number;
  /** A `retry-after` longer than this is not waited for: the upstream's answer goes back (default 30 s). */
  maxRetryAfterMs: number;
}

/** The defaults of {@link RetryPolicy}. */
export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 8000, maxRetryAfterMs: 30_000 };

/** Upstream statuses worth another try: rate limited, server errors, Anthropic's 529 overloaded. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504, 529]);

/** Connection errors where the request never reached the upstream (safe to send again). */
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'EPIPE', 'EAI_AGAIN']);

/** Is `err` a connection failure worth retrying? */
export function isRetryableNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/**
 * The wait a `retry-after-ms` / `retry-after` header asks for, in ms: seconds or an HTTP date
 * (`retry-after-ms`, which OpenAI sends, wins). Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: { 'retry-after'?: string; 'retry-after-ms'?: string }, now: number): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] && Number.isFinite(ms) && ms >= 0) return ms;
  const v = headers['retry-after']?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * How long to wait before retry number `retry` (0-based), or undefined to give up and answer with
 * what the upstream said: retries are bounded, a `retry-after` is honoured up to
 * `maxRetryAfterMs`, otherwise the backoff doubles from `baseDelayMs` up to `maxDelayMs`.
 * @example retryDelay({ retry: 0, retryAfterMs: 1000 }) // 1000
 */
export function retryDelay(args: { retry: number; retryAfterMs?: number; policy?: RetryPolicy }): number | undefined {
  const p = args.policy ?? DEFAULT_RETRY;
  if (args.retry >= p.maxRetries) return undefined;
  if (args.retryAfterMs !== undefined) return args.retryAfterMs > p.maxRetryAfterMs ? undefined : args.retryAfterMs;
  return Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** args.retry);
}
