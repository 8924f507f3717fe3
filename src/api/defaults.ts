import { KINDS, type WeftKind } from './validate.js';

type Node = Record<string, unknown>;
const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fills absent properties of `value` that have a schema default, then descends (defaults included). */
function fill(value: unknown, schema: Node | undefined): unknown {
  if (!schema) return value;
  if (Array.isArray(value)) return value.map((item) => fill(item, schema.items as Node | undefined));
  if (!isObject(value)) return value;
  const out: Node = { ...value };
  const props = (schema.properties ?? {}) as Record<string, Node>;
  for (const [key, prop] of Object.entries(props)) {
    if (out[key] === undefined && prop.default !== undefined) out[key] = structuredClone(prop.default);
    if (out[key] !== undefined) out[key] = fill(out[key], prop);
  }
  const extra = schema.additionalProperties;
  if (isObject(extra)) for (const key of Object.keys(out)) if (!(key in props)) out[key] = fill(out[key], extra);
  return out;
}

/**
 * A copy of `obj` with the schema defaults of its kind applied, as the apiserver applies them: a
 * default fills an absent field, and fields inside an absent object are only defaulted when that
 * object itself has a default (e.g. AgentTask `spec.retryPolicy` defaults to `{}`, which then gets
 * `maxAttempts: 3`). Does not validate; does not modify `obj`.
 * @example withDefaults('Workload', wl).spec.resources // { cpu: '100m', memory: '128Mi', gpu: 0 }
 */
export function withDefaults<T>(kind: WeftKind, obj: T): T {
  return fill(obj, KINDS[kind] as unknown as Node) as T;
}
