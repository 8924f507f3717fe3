import { request as send } from 'undici';
import { requestCredentials } from './credentials.js';
import { apiErrorOf, type ApiError } from './errors.js';
import type { KubeAccess } from './kubeconfig.js';

/** One event of a watch stream, as the apiserver sends it. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchStreamOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** The watch fails with a `TimeoutError` after this long without a byte from the server (ms). */
  inactivityMs: number;
  signal?: AbortSignal;
}

/**
 * Sends one watch request (`?watch=true`) and calls `onEvent` per line until the server ends the
 * stream (resolves) or it fails (rejects: non-200 as {@link ApiError}, inactivity as a
 * `TimeoutError`, `signal` as an `AbortError`). Runs on the KubeConfig's shared connection pool;
 * a line is parsed as soon as it is complete and no other copy of the stream is kept.
 */
export async function watchStream<T>(kc: KubeAccess, path: string, onEvent: (ev: WatchEvent<T>) => void, opts: WatchStreamOptions): Promise<void> {
  const { server, headers, dispatcher } = await requestCredentials(kc);
  const url = watchUrl(server, path, opts.query);
  headers.accept = 'application/json';

  const ctrl = new AbortController();
  const abort = () => ctrl.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', abort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctrl.abort(new DOMException(`watch ${path}: no data for ${opts.inactivityMs} ms`, 'TimeoutError')), opts.inactivityMs);
    timer.unref();
  };
  try {
    if (opts.signal?.aborted) abort();
    arm();
    const res = await send(url, { headers, dispatcher, signal: ctrl.signal });
    if (res.statusCode !== 200) throw replyError(res.statusCode, await res.body.text(), path);
    await forEachLine(res.body as AsyncIterable<Buffer>, arm, (line) => onEvent(JSON.parse(line) as WatchEvent<T>));
  } catch (err) {
    // Rethrow the reason we aborted with (TimeoutError, the caller's AbortError), not fetch's wrapper.
    throw ctrl.signal.aborted && ctrl.signal.reason instanceof Error ? ctrl.signal.reason : err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', abort);
    ctrl.abort();
  }
}

/** The watch URL: `path` on `server`, `watch=true`, and the query's parameters that have a value. */
function watchUrl(server: string, path: string, query: WatchStreamOptions['query']): URL {
  const url = new URL(server + path);
  url.searchParams.set('watch', 'true');
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  return url;
}

/** The ApiError of a watch answered with another status than 200 (its body read as a Status when it is one). */
function replyError(statusCode: number, body: string, path: string): ApiError {
  let st: unknown = {};
  try {
    st = JSON.parse(body);
  } catch {
    // not a Status object
  }
  return apiErrorOf(statusCode, st, `watch ${path}: HTTP ${statusCode}`);
}

/**
 * Calls `onLine` with each non-blank line of a stream as soon as the line is complete; `onChunk`
 * before each chunk is read into lines (the watch re-arms its inactivity timer there).
 */
async function forEachLine(body: AsyncIterable<Buffer>, onChunk: () => void, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let partial = '';
  for await (const chunk of body) {
    onChunk();
    const text = partial + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line.trim()) onLine(line);
    }
    partial = text.slice(start);
  }
}
