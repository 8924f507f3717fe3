import { Agent, request, type Dispatcher } from 'undici';
import { ForgeAuthError, ForgeConflictError, ForgeError, ForgeNotFoundError, ForgeUnreachableError, isNetworkError } from './errors.js';

/** Options of {@link RestClient}. */
export interface RestClientOptions {
  /** API base, e.g. `http://127.0.0.1:3000/api/v1`. */
  baseUrl: string;
  /** Value of the Authorization header (`token T`, `Bearer T`): secret, never logged. */
  authorization?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Forge name for messages ("gitea http://127.0.0.1:3000"). */
  label: string;
  /** Extra headers on every request (e.g. GitHub's Accept and API version). */
  headers?: Record<string, string>;
}

/** One REST call: method, path under the base, query and JSON body. */
export interface RestCall {
  method: Dispatcher.HttpMethod;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Repository the call is about, for messages. */
  repo: string;
  /** What the call does, for messages ("open a pull request"). */
  what: string;
}

/**
 * A small JSON REST client on undici's `request()` (keep-alive pool, no fetch overhead) that turns
 * HTTP failures into typed forge errors naming the repository and the fix. Counts requests, so the
 * benchmark can report requests per operation.
 */
export class RestClient {
  /** Requests sent so far. */
  requests = 0;
  private readonly dispatcher: Agent;
  constructor(private readonly opts: RestClientOptions) {
    this.dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  }

  /** Sends the call and returns the parsed JSON body (undefined for 204). Throws ForgeError. */
  async call<T>(c: RestCall): Promise<T> {
    const url = new URL(this.opts.baseUrl.replace(/\/$/, '') + c.path);
    for (const [k, v] of Object.entries(c.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...this.opts.headers };
    if (this.opts.authorization) headers.authorization = this.opts.authorization;
    if (c.body !== undefined) headers['content-type'] = 'application/json';
    const timeout = this.opts.timeoutMs ?? 30_000;
    this.requests++;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: c.method,
        headers,
        body: c.body === undefined ? undefined : JSON.stringify(c.body),
        dispatcher: this.dispatcher,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      throw this.unreachable(c, url, err);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw this.unreachable(c, url, err);
    }
    if (res.statusCode >= 400) throw this.httpError(c, res.statusCode, text);
    if (res.statusCode === 204 || text === '') return undefined as T;
    return JSON.parse(text) as T;
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private unreachable(c: RestCall, url: URL, err: unknown): ForgeError {
    const where = `${url.origin}${url.pathname}`;
    if (!isNetworkError(err) && !(err instanceof Error && err.name === 'AbortError')) {
      return new ForgeError('failed', `${this.opts.label} ${c.repo}: ${c.what} failed: ${(err as Error).message}`, { cause: err });
    }
    return new ForgeUnreachableError(
      where,
      `${this.opts.label} ${c.repo}: ${c.what}: forge unreachable at ${where} (${errCode(err)}); check that the forge runs and the URL is right, then retry`,
      { cause: err },
    );
  }

  private httpError(c: RestCall, status: number, text: string): ForgeError {
    const detail = forgeMessage(text);
    const base = `${this.opts.label} ${c.repo}: ${c.what}: HTTP ${status}${detail ? ` (${detail})` : ''}`;
    if (status === 401) return new ForgeAuthError(`${base}: the token was rejected; check the Secret's token key and that the token is not revoked`, { status });
    if (status === 403) return new ForgeAuthError(`${base}: the token lacks permission; give it write access to ${c.repo} (scopes repo/write:repository)`, { status });
    if (status === 404) return new ForgeNotFoundError(`${base}: not found; check the repository "${c.repo}" and the branch or change exist and the token can see them`, { status });
    if (status === 409 || status === 422) return new ForgeConflictError(`${base}: refused in the current state`, { status });
    return new ForgeError('failed', base, { status });
  }
}

function forgeMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown; errors?: unknown };
    const msg = typeof j.message === 'string' ? j.message : '';
    return msg.slice(0, 300);
  } catch {
    return text.slice(0, 200).trim();
  }
}

function errCode(err: unknown): string {
  for (let e: unknown = err, d = 0; e && d < 5; e = (e as { cause?: unknown }).cause, d++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return err instanceof Error ? err.name : 'error';
}
