import { GROUP, SOURCE_ONLY_KEYS, VERSION, omitKeys, transformSchema, type CelRule, type KindSource, type Schema } from './load.js';

/**
 * A schema node as ajv validates it: Kubernetes extensions replaced by their JSON Schema
 * equivalents (CEL rules by their `ajv` twins in `allOf`, set lists by `uniqueItems`, map lists by
 * `uniqueKeys`), and objects closed (the apiserver prunes unknown fields; we tell the user instead).
 */
function ajvNode(n: Schema): Schema {
  const out = omitKeys(n, (k) => k.startsWith('x-kubernetes-') || SOURCE_ONLY_KEYS.has(k));
  if (n['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  if (n['x-kubernetes-list-type'] === 'map') out.uniqueKeys = n['x-kubernetes-list-map-keys'];
  const open = n['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !open) out.additionalProperties = false;
  const twins = ((n['x-kubernetes-validations'] as CelRule[] | undefined) ?? [])
    .filter((r) => r.ajv)
    .map((r) => ({ ...r.ajv, errorMessage: r.message, ...(r.fieldPath ? { errorField: r.fieldPath } : {}) }));
  if (twins.length) out.allOf = [...((out.allOf as Schema[] | undefined) ?? []), ...twins];
  return out;
}

/**
 * The JSON Schema ajv validates a whole object with: the same spec and status schema as the CRD,
 * with the cross-field rules the CRD states in CEL expressed in JSON Schema.
 */
export function ajvObjectSchema(k: KindSource, spec: Schema, status: Schema): Schema {
  const name = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' };
  return {
    $id: `https://weft.dev/schemas/${VERSION}/${k.dir}.json`,
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { const: `${GROUP}/${VERSION}`, description: `Always ${GROUP}/${VERSION}.` },
      kind: { const: k.kind, description: `Always ${k.kind}.` },
      metadata: {
        type: 'object',
        required: ['name'],
        properties: { name: { ...name, description: 'Object name: a DNS-1123 subdomain (lower case, digits, "-" and ".").' }, namespace: { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', description: 'Namespace: a DNS-1123 label.' } },
      },
      spec: transformSchema(spec, ajvNode),
      status: transformSchema(status, ajvNode),
    },
  };
}
