/** What went wrong talking to a forge; `kind` lets callers branch without instanceof chains. */
export type ForgeErrorKind = 'auth' | 'not-found' | 'conflict' | 'unreachable' | 'unsupported' | 'invalid' | 'failed';

/**
 * Base of every forge error. The message names the forge, the repository and what to do about it,
 * e.g. `gitea http://127.0.0.1:3000 weft/demo: token rejected (401): check the token key …`.
 */
export class ForgeError extends Error {
  /** HTTP status when the forge answered over HTTP. */
  readonly status: number | undefined;
  constructor(
    readonly kind: ForgeErrorKind,
    message: string,
    opts: { status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'ForgeError';
    this.status = opts.status;
  }
}

/** The credentials were refused (401/403, or a missing/unusable Radicle key). */
export class ForgeAuthError extends ForgeError {
  constructor(message: string, opts: { status?: number; cause?: unknown } = {}) {
    super('auth', message, opts);
    this.name = 'ForgeAuthError';
  }
}

/** The repository, branch, change or commit does not exist (404). */
export class ForgeNotFoundError extends ForgeError {
  constructor(message: string, opts: { status?: number; cause?: unknown } = {}) {
    super('not-found', message, opts);
    this.name = 'ForgeNotFoundError';
  }
}

/** The forge refused the write because of the current state (409/422: exists, not mergeable …). */
export class ForgeConflictError extends ForgeError {
  constructor(message: string, opts: { status?: number; cause?: unknown } = {}) {
    super('conflict', message, opts);
    this.name = 'ForgeConflictError';
  }
}

/** No answer from the forge (connection refused or reset, timeout); `url` is what was dialled. */
export class ForgeUnreachableError extends ForgeError {
  constructor(
    readonly url: string,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super('unreachable', message, opts);
    this.name = 'ForgeUnreachableError';
  }
}

/** The forge has no such concept (e.g. commit statuses on Radicle). */
export class ForgeUnsupportedError extends ForgeError {
  constructor(message: string) {
    super('unsupported', message);
    this.name = 'ForgeUnsupportedError';
  }
}

/** Network error codes that mean "nobody answered", as opposed to an answer we did not like. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Is `err` (or its cause chain) a network failure rather than an HTTP answer? */
export function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (e instanceof Error && e.name === 'TimeoutError') return true;
  }
  return false;
}
