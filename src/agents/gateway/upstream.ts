import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { GatewayError } from './errors.js';
import { DEFAULT_RETRY, RETRYABLE_STATUSES, isRetryableNetworkError, retryAfterMs, retryDelay, type RetryPolicy } from './retry.js';
import type { LlmApi } from './wire.js';

/** Where a task's LLM requests go and the key they carry (from the task's endpoint Secret). */
export interface LlmEndpoint {
  /** Base URL, e.g. `https://api.openai.com` (a trailing `/v1` is accepted). */
  url: string;
  apiKey: string;
}

/** One request to forward. */
export interface UpstreamCall {
  api: LlmApi;
  endpoint: LlmEndpoint;
  /** The JSON body to send. */
  body: string;
  /** Headers from the agent that may pass (content negotiation, API version, betas). */
  headers: Record<string, string>;
  signal?: AbortSignal;
}

export interface UpstreamOptions {
  dispatcher?: Dispatcher;
  policy?: RetryPolicy;
  now?: () => number;
  /** Called before each retry (for metrics and logs). */
  onRetry?: (info: { retry: number; delayMs: number; status?: number; error?: string }) => void;
}

/** The upstream's answer after retries. */
export interface UpstreamReply {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  retries: number;
}

const PATHS: Record<LlmApi, string> = { openai: '/v1/chat/completions', anthropic: '/v1/messages' };

/** The upstream URL for an API: the endpoint's base URL (without a trailing `/v1`) plus the API's path. */
export function upstreamUrl(api: LlmApi, base: string): URL {
  const trimmed = base.replace(/\/+$/, '').replace(/\/v1$/, '');
  return new URL(trimmed + PATHS[api]);
}

/** The headers sent upstream: the agent's allowed ones plus the injected key. */
export function upstreamHeaders(call: Pick<UpstreamCall, 'api' | 'endpoint' | 'headers'>): Record<string, string> {
  const h: Record<string, string> = { ...call.headers, 'content-type': 'application/json' };
  if (call.api === 'openai') h.authorization = `Bearer ${call.endpoint.apiKey}`;
  else {
    h['x-api-key'] = call.endpoint.apiKey;
    h['anthropic-version'] ??= '2023-06-01';
  }
  return h;
}

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Sends a request to the task's LLM endpoint with the key injected. 429 and 5xx answers and
 * connection failures are retried per the policy (honouring `retry-after`); the last answer is
 * returned whatever its status. An endpoint that cannot be reached at all throws a 502
 * {@link GatewayError} naming its host.
 */
export async function callUpstream(call: UpstreamCall, opts: UpstreamOptions = {}): Promise<UpstreamReply> {
  try {
    return await tryUpstream(call, opts);
  } catch (err) {
    // The agent went away: whatever the upstream was doing is moot, and no endpoint is to blame.
    if (call.signal?.aborted) throw new GatewayError(499, 'ClientClosedRequest', 'the agent closed the connection before the reply', { cause: err });
    throw err;
  }
}

async function tryUpstream(call: UpstreamCall, opts: UpstreamOptions): Promise<UpstreamReply> {
  const url = upstreamUrl(call.api, call.endpoint.url);
  const headers = upstreamHeaders(call);
  const policy = opts.policy ?? DEFAULT_RETRY;
  const now = opts.now ?? Date.now;
  for (let retry = 0; ; retry++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'POST', headers, body: call.body, ...optionsOf(call, opts) });
    } catch (err) {
      const delayMs = isRetryableNetworkError(err) && !call.signal?.aborted ? retryDelay({ retry, policy }) : undefined;
      if (delayMs === undefined) throw unreachable(url, err, retry);
      opts.onRetry?.({ retry, delayMs, error: (err as { code?: string }).code ?? String(err) });
      await wait(delayMs, call.signal);
      continue;
    }
    const delayMs = retryableDelay(res, { retry, policy, now: now() });
    if (delayMs === undefined) return { statusCode: res.statusCode, headers: res.headers, body: res.body, retries: retry };
    await res.body.dump();
    opts.onRetry?.({ retry, delayMs, status: res.statusCode });
    await wait(delayMs, call.signal);
  }
}

function optionsOf(call: UpstreamCall, opts: UpstreamOptions): { dispatcher?: Dispatcher; signal?: AbortSignal } {
  return { ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}), ...(call.signal ? { signal: call.signal } : {}) };
}

const wait = (ms: number, signal: AbortSignal | undefined) => sleep(ms, undefined, signal ? { signal } : undefined);

/** The wait before retrying this answer, or undefined when it goes back to the agent as it is. */
function retryableDelay(res: Dispatcher.ResponseData, at: { retry: number; policy: RetryPolicy; now: number }): number | undefined {
  if (!RETRYABLE_STATUSES.has(res.statusCode)) return undefined;
  const after = retryAfterMs({ 'retry-after': header(res.headers, 'retry-after'), 'retry-after-ms': header(res.headers, 'retry-after-ms') }, at.now);
  return retryDelay({ retry: at.retry, policy: at.policy, ...optional(after) });
}

const optional = (ms: number | undefined): { retryAfterMs?: number } => (ms === undefined ? {} : { retryAfterMs: ms });

function unreachable(url: URL, err: unknown, retries: number): GatewayError {
  const code = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
  const tries = retries + 1;
  return new GatewayError(502, 'UpstreamUnreachable', `the LLM endpoint ${url.host} is unreachable (${code}) after ${tries} ${tries === 1 ? 'try' : 'tries'}; check the "url" of the task's endpoint Secret`, { cause: err });
}
