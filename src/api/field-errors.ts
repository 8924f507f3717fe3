import type { ErrorObject } from 'ajv/dist/2020.js';

/** One problem with an object: the field path (as kubectl prints it) and what is wrong. */
export interface FieldError {
  /** e.g. `spec.placement.requiredTags[0]`. */
  field: string;
  /** What is wrong and how to fix it, e.g. `Unsupported value: "eks": supported values: "talos", "local", "kubeconfig"`. */
  message: string;
}

type Node = Record<string, unknown>;
const unescape = (p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~');
const show = (v: unknown) => JSON.stringify(v);

/** `/spec/tags/0` → `spec.tags[0]` */
export function fieldPath(pointer: string): string {
  return segments(pointer).reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function segments(pointer: string): string[] {
  return pointer.split('/').slice(1).map(unescape);
}

function valueAt(root: unknown, pointer: string): unknown {
  return segments(pointer).reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Node)[k] : undefined), root);
}

/** A short reminder of what the field is, from its schema description. */
function hint(schema: unknown): string {
  const d = (schema as Node | undefined)?.description;
  return typeof d === 'string' ? ` (${d.replace(/\.$/, '')})` : '';
}

function range(s: Node): string | undefined {
  if (s.minimum !== undefined && s.maximum !== undefined) return `must be between ${String(s.minimum)} and ${String(s.maximum)}`;
  return undefined;
}

/** One ajv error, with what every description of it needs. */
interface ErrorInContext {
  e: ErrorObject;
  root: unknown;
  /** The field path of the error's instance. */
  base: string;
  p: Node;
  parent: Node;
  /** The offending value, as JSON. */
  value: string;
}

/** `f` below the error's instance. */
const below = (x: ErrorInContext, f: string): string => (x.base ? `${x.base}.${f}` : f);

const required = (x: ErrorInContext): FieldError => {
  const missing = String(x.p.missingProperty);
  return { field: below(x, missing), message: `Required value${hint((x.parent.properties as Node | undefined)?.[missing])}` };
};

const unknownField = (x: ErrorInContext): FieldError => {
  const known = Object.keys((x.parent.properties ?? {}) as Node).sort();
  return { field: below(x, String(x.p.additionalProperty)), message: `Unknown field: remove it or fix its spelling (known fields: ${known.join(', ')})` };
};

const outOfRange = ({ e, base, parent, value }: ErrorInContext): FieldError => ({ field: base, message: `Invalid value: ${value}: ${range(parent) ?? e.message ?? e.keyword}` });

const duplicate = ({ e, root, base, p }: ErrorInContext): FieldError => {
  const dup = Math.max(Number(p.i), Number(p.j));
  const item = (valueAt(root, e.instancePath) as unknown[])[dup];
  // A map list is keyed by some fields (conditions by type): name only those, as the apiserver does.
  const shown = Array.isArray(p.keys) ? Object.fromEntries((p.keys as string[]).map((k) => [k, (item as Node)[k]])) : item;
  return { field: `${base}[${dup}]`, message: `Duplicate value: ${show(shown)}: remove one of the entries` };
};

/** The description of each ajv keyword, in the apiserver's words plus the fix. */
const DESCRIPTIONS = new Map<string, (x: ErrorInContext) => FieldError>([
  ['required', required],
  ['additionalProperties', unknownField],
  ['enum', ({ base, p, value }) => ({ field: base, message: `Unsupported value: ${value}: supported values: ${(p.allowedValues as unknown[]).map(show).join(', ')}` })],
  ['const', ({ base, p, value }) => ({ field: base, message: `Unsupported value: ${value}: supported value: ${show(p.allowedValue)}` })],
  ['pattern', ({ base, p, parent, value }) => ({ field: base, message: `Invalid value: ${value}: must match ${String(p.pattern)}${hint(parent)}` })],
  [
    'format',
    ({ base, p, value }) => ({
      field: base,
      message: `Invalid value: ${value}: must be a ${String(p.format)}${p.format === 'date-time' ? ' in RFC 3339, e.g. "2026-01-02T15:04:05Z"' : ''}`,
    }),
  ],
  ['minimum', outOfRange],
  ['maximum', outOfRange],
  ['uniqueItems', duplicate],
  ['uniqueKeys', duplicate],
  // The only anyOf in our schemas is int-or-string: a quantity.
  ['anyOf', ({ base, value }) => ({ field: base, message: `Invalid value: ${value}: must be a quantity: an integer or a string such as "500m", "2" or "16Gi"` })],
]);

const invalid = ({ e, base, value }: ErrorInContext): FieldError => ({ field: base, message: `Invalid value: ${value}: ${e.message ?? e.keyword}` });

/** One ajv error as a FieldError, in the apiserver's words plus the fix. */
function describe(e: ErrorObject, root: unknown): FieldError {
  const x: ErrorInContext = {
    e,
    root,
    base: fieldPath(e.instancePath),
    p: e.params as Node,
    parent: (e.parentSchema ?? {}) as Node,
    value: show(valueAt(root, e.instancePath)),
  };
  return (DESCRIPTIONS.get(e.keyword) ?? invalid)(x);
}

/**
 * An error inside an `allOf` entry that carries `errorMessage` comes from a cross-field rule (the CEL
 * rule's JSON Schema twin): report the rule's own message at its field, as the apiserver does for
 * x-kubernetes-validations.
 */
function crossFieldRule(schema: unknown, e: ErrorObject): FieldError | undefined {
  const m = /^#\/(.*?)\/?allOf\/(\d+)(\/|$)/.exec(e.schemaPath);
  if (!m) return undefined;
  const prefix = m[1] ? m[1].split('/').map(unescape) : [];
  const owner = prefix.reduce<unknown>((s, k) => (s as Node | undefined)?.[k], schema) as { allOf?: Array<{ errorMessage?: string; errorField?: string }> } | undefined;
  const rule = owner?.allOf?.[Number(m[2])];
  if (!rule?.errorMessage) return undefined;
  // The rule's owner is as deep in the object as its schema is in the schema tree.
  let depth = 0;
  for (let i = 0; i < prefix.length; i++) {
    if (prefix[i] === 'properties') i++;
    else if (prefix[i] !== 'items' && prefix[i] !== 'additionalProperties') continue;
    depth++;
  }
  const ownerPointer = `/${segments(e.instancePath).slice(0, depth).join('/')}`;
  return { field: `${fieldPath(depth ? ownerPointer : '')}${rule.errorField ?? ''}`, message: `Invalid value: ${rule.errorMessage}` };
}

/**
 * ajv's errors for `root` as FieldErrors: one per problem, deduplicated, cross-field rules in their
 * own words, int-or-string type errors folded into one "must be a quantity".
 */
export function toFieldErrors(schema: unknown, errors: readonly ErrorObject[], root: unknown): FieldError[] {
  const quantityPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (quantityPaths.has(e.instancePath) && e.keyword === 'type' && e.schemaPath.includes('/anyOf/')) continue;
    const fe = crossFieldRule(schema, e) ?? describe(e, root);
    const key = `${fe.field}|${fe.message}`;
    if (!seen.has(key)) out.push(fe);
    seen.add(key);
  }
  return out;
}
