import { STATUS_CODES } from 'node:http';
/** A Kubernetes API error: HTTP status plus the Status object's reason and message. */
/**
 * The error for a non-2xx reply: the apiserver's Status (reason, message) when the body is one,
 * else the HTTP reason phrase and `fallback`.
 */
export function apiErrorOf(code: number, body: unknown, fallback: string): ApiError {
  const st = (body && typeof body === 'object' ? body : {}) as { reason?: string; message?: string };
  return new ApiError(code, st.reason ?? STATUS_CODES[code] ?? `HTTP ${code}`, st.message ?? fallback, body);
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/**
 * An error that retrying cannot fix (bad spec, missing permission the user must grant): the
 * controller records it in a condition and does not requeue.
 */
export class TerminalError extends Error {
  override name = 'TerminalError';
  constructor(
    message: string,
    /** CamelCase reason for the condition, e.g. `InvalidSpec`. */
    readonly reason = 'TerminalError',
  ) {
    super(message);
  }
}

/** HTTP status of an API error from our REST client or client-node (`ApiException.code`). */
export function statusCode(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'number') {
    return (err as { code: number }).code;
  }
  return undefined;
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
export const isConflict = (err: unknown): boolean => statusCode(err) === 409;
export const isGone = (err: unknown): boolean => statusCode(err) === 410;
export const isAlreadyExists = (err: unknown): boolean => statusCode(err) === 409 && (err as ApiError).reason === 'AlreadyExists';

/** One line describing any error, for conditions and logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0]!;
  return String(err);
}
