import type { GatewayError } from './errors.js';
import type { LlmApi } from './wire.js';

const ANTHROPIC_TYPES: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error' };

/**
 * The body of a gateway error in the format of the API called, so that agent SDKs show the
 * message: OpenAI `{ error: { message, type, code, param } }`, Anthropic
 * `{ type: 'error', error: { type, message } }`; both carry `weft` details (code, budget).
 */
export function errorReply(api: LlmApi, err: GatewayError, details: Record<string, unknown> = {}): Record<string, unknown> {
  const weft = { code: err.code, ...details };
  const message = `weft gateway: ${err.message}`;
  if (api === 'openai') return { error: { message, type: 'weft_gateway_error', code: err.code, param: null, weft } };
  return { type: 'error', error: { type: ANTHROPIC_TYPES[err.status] ?? 'api_error', message, weft } };
}

/** Request headers an agent may send upstream (content negotiation, API versions and betas). */
export const FORWARDED_REQUEST_HEADERS = ['accept', 'anthropic-version', 'anthropic-beta', 'openai-beta', 'user-agent'];

/** Upstream reply headers passed back to the agent. */
export function forwardedReplyHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const keep = k === 'content-type' || k === 'retry-after' || k === 'retry-after-ms' || k === 'request-id' || k === 'x-request-id' || k.startsWith('x-ratelimit-') || k.startsWith('anthropic-ratelimit-');
    if (keep) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** The allowed request headers of the agent, lower-cased. */
export function forwardedRequestHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const v = h[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
