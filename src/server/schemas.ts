/**
 * JSON Schemas of the operator's HTTP routes. Fastify validates with them and @fastify/swagger turns
 * them into the OpenAPI document served at /openapi.json (snapshot-tested as the contract).
 */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'An error: what went wrong and, where there is one, how to fix it.',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'Short machine-readable reason, e.g. NotFound, Forbidden.' },
    message: { type: 'string', description: 'What went wrong, naming the field or value and the fix.' },
    statusCode: { type: 'integer' },
  },
} as const;

export const healthSchema = {
  type: 'object',
  description: 'Liveness: the process is up and serving.',
  required: ['status', 'version', 'uptimeSeconds'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['ok'], description: 'Always "ok" when the process answers.' },
    version: { type: 'string', description: 'Weft version.' },
    uptimeSeconds: { type: 'number', minimum: 0, description: 'Seconds since the process started serving.' },
  },
} as const;

export const readyzSchema = {
  type: 'object',
  description: 'Readiness: every check passes (apiserver reachable, caches synced, leadership settled).',
  required: ['ready', 'checks'],
  additionalProperties: false,
  properties: {
    ready: { type: 'boolean' },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'ok', 'message'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', description: 'Check name, e.g. apiserver.' },
          ok: { type: 'boolean' },
          message: { type: 'string', description: 'Why the check passes or fails.' },
        },
      },
    },
  },
} as const;

export const denialSchema = {
  $id: 'Denial',
  type: 'object',
  description: 'A write refused by the tailnet ACL policy: why, and which rule decided (null when no rule matched or the caller has no tailnet identity).',
  required: ['error', 'message', 'reason', 'rule'],
  properties: {
    error: { type: 'string', enum: ['Forbidden'] },
    message: { type: 'string' },
    statusCode: { type: 'integer' },
    reason: { type: 'string', description: 'The evaluator\'s explanation, naming caller, destination and port.' },
    rule: { type: ['string', 'null'], description: 'The deciding rule, e.g. "acls[2]".' },
  },
} as const;
