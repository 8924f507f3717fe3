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

const str = { type: 'string' } as const;

/** 403 from RBAC (SubjectAccessReview): the missing permission and a command that grants it. */
export const rbacDenialSchema = {
  $id: 'RbacDenial',
  type: 'object',
  description: 'A request refused by Kubernetes RBAC (SubjectAccessReview): names the missing permission and how to grant it.',
  required: ['error', 'message', 'reason', 'missing'],
  properties: {
    error: { type: 'string', enum: ['Forbidden'] },
    statusCode: { type: 'integer' },
    message: str,
    reason: str,
    rule: { type: 'null' },
    missing: {
      type: 'object',
      required: ['verb', 'group', 'resource'],
      properties: { verb: str, group: { type: 'string', description: 'API group; "" is the core group.' }, resource: str, subresource: str, namespace: str, name: str },
    },
    grant: { type: 'string', description: 'A kubectl command that binds weft-viewer (reads) or weft-editor (writes) to the caller.' },
  },
} as const;

/** How callers authenticate to `/api/`: OpenAPI security schemes (the document's default requirement). */
export const securitySchemes = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'A Kubernetes token (ServiceAccount, OIDC, …), checked with a TokenReview. RBAC decides what it may do (SubjectAccessReview).' },
  operatorCA: { type: 'mutualTLS', description: 'With --http-tls: a client certificate issued by the operator CA (Secret weft-ca); CN is the user, O the groups. Required on every /api/ call over HTTPS, with or without a token.' },
} as const;
