import { GROUP, VERSION, stripKeys, type KindSource, type Schema } from './load.js';

const X_KEYS = new Set([
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
]);

/** Moves each CEL rule's ajv equivalent into `allOf` so ajv enforces the same cross-field rules. */
function celToAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(celToAjv);
  if (!node || typeof node !== 'object') return node;
  const obj = node as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(obj)) out[k] = k === 'x-kubernetes-validations' ? v : celToAjv(v);
  const rules = (obj['x-kubernetes-validations'] as Array<{ ajv?: Schema; message: string; fieldPath?: string }> | undefined) ?? [];
  const allOf = rules.filter((r) => r.ajv).map((r) => ({ ...r.ajv, errorMessage: r.message, ...(r.fieldPath ? { errorField: r.fieldPath } : {}) }));
  if (allOf.length) out.allOf = allOf;
  return out;
}

/**
 * The JSON Schema ajv validates a whole object with: the same spec and status schema as the CRD,
 * cross-field CEL rules replaced by their JSON Schema equivalents, Kubernetes extensions removed,
 * and unknown fields rejected (the apiserver prunes them; we tell the user instead).
 */
export function ajvObjectSchema(k: KindSource, spec: Schema, status: Schema): Schema {
  const prep = (s: Schema) => closeObjects(stripKeys(uniqueSets(celToAjv(s)), (key) => X_KEYS.has(key)) as Schema);
  return {
    $id: `https://weft.dev/schemas/${VERSION}/${k.dir}.json`,
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { const: `${GROUP}/${VERSION}` },
      kind: { const: k.kind },
      metadata: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, namespace: { type: 'string' } } },
      spec: prep(spec),
      status: prep(status),
    },
  };
}

/** `x-kubernetes-list-type: set` → `uniqueItems` (the apiserver rejects duplicates in sets). */
function uniqueSets(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(uniqueSets);
  if (!node || typeof node !== 'object') return node;
  const o: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) o[k] = uniqueSets(v);
  if (o['x-kubernetes-list-type'] === 'set') o.uniqueItems = true;
  return o;
}

/** Adds additionalProperties: false to every object schema that lists properties and allows nothing else. */
function closeObjects(node: Schema): Schema {
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk);
    if (!n || typeof n !== 'object') return n;
    const o: Schema = {};
    for (const [k, v] of Object.entries(n as Schema)) o[k] = walk(v);
    if (o.type === 'object' && o.properties && o.additionalProperties === undefined) o.additionalProperties = false;
    return o;
  };
  return walk(node) as Schema;
}
