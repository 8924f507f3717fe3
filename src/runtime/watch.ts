import { request as send } from 'undici';
import { requestCredentials } from './credentials.js';
import { apiErrorOf } from './errors.js';
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
  const url = new URL(server + path);
  url.searchParams.set('watch', 'true');
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
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
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      let st: unknown = {};
      try {
        st = JSON.parse(text);
      } catch {
        // not a Status object
      }
      throw apiErrorOf(res.statusCode, st, `watch ${path}: HTTP ${res.statusCode}`);
    }
    const decoder = new TextDecoder();
    let partial = '';
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      arm();
      const text = partial + decoder.decode(chunk, { stream: true });
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        const line = text.slice(start, nl);
        start = nl + 1;
        if (line.trim()) onEvent(JSON.parse(line) as WatchEvent<T>);
      }
      partial = text.slice(start);
    }
  } catch (err) {
    // Rethrow the reason we aborted with (TimeoutError, the caller's AbortError), not fetch's wrapper.
    throw ctrl.signal.aborted && ctrl.signal.reason instanceof Error ? ctrl.signal.reason : err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', abort);
    ctrl.abort();
  }
}
