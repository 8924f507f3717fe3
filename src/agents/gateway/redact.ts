/**
 * pino redact paths for the gateway's logger: the headers that carry the agent's token or an
 * upstream key, wherever a request or header object is logged.
 */
export const GATEWAY_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'apiKey',
  '*.apiKey',
];

/** What replaces a secret. */
export const REDACTED = '[redacted]';

const SECRET_KEYS = /^(authorization|proxy-authorization|x-api-key|api[-_]?key|cookie|set-cookie)$/i;
const PATTERNS: Array<[RegExp, string]> = [
  [/Bearer\s+[^\s"',]+/gi, `Bearer ${REDACTED}`],
  // Kubernetes ServiceAccount tokens and other JWTs.
  [/eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]+/g, REDACTED],
  // OpenAI (sk-…, sk-proj-…) and Anthropic (sk-ant-…) key shapes.
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A function that copies a JSON value with secrets replaced by `[redacted]`: the values of
 * credential-named keys (authorization, x-api-key, apiKey…), bearer tokens, JWTs, API-key shapes,
 * and every occurrence of the given secrets (the injected upstream key, the agent's token).
 * Secrets shorter than 6 characters are ignored (they would match ordinary text).
 * @example createRedactor(['sk-live-123456'])({ note: 'key sk-live-123456' }) // { note: 'key [redacted]' }
 */
export function createRedactor(secrets: ReadonlyArray<string | undefined>): (value: unknown) => unknown {
  const literal = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6);
  const secretRe = literal.length ? new RegExp(literal.map(escape).join('|'), 'g') : undefined;
  const redactString = (s: string): string => {
    let out = secretRe ? s.replace(secretRe, REDACTED) : s;
    for (const [re, by] of PATTERNS) out = out.replace(re, by);
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactString(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEYS.test(k) && x !== null && x !== undefined ? REDACTED : walk(x);
      return out;
    }
    return v;
  };
  return walk;
}
