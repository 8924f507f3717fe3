import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { schema as agenttask } from './agenttask/schema.generated.js';
import { schema as job } from './job/schema.generated.js';
import { schema as meshnode } from './meshnode/schema.generated.js';
import { schema as orgcluster } from './orgcluster/schema.generated.js';
import { schema as workload } from './workload/schema.generated.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The Weft kinds the validator knows. */
export const KINDS = { MeshNode: meshnode, OrgCluster: orgcluster, Workload: workload, AgentTask: agenttask, Job: job } as const;
export type WeftKind = keyof typeof KINDS;

/** One problem with an object: the field path (as kubectl prints it) and what is wrong. */
export interface FieldError {
  /** e.g. `spec.placement.requiredTags[0]`. */
  field: string;
  message: string;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
// Annotations carried over from the CRD source: informative only.
for (const keyword of ['errorMessage', 'errorField']) ajv.addKeyword({ keyword, schemaType: ['string', 'array'] });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(kind: WeftKind): ValidateFunction {
  let v = compiled.get(kind);
  if (!v) {
    v = ajv.compile(KINDS[kind] as object);
    compiled.set(kind, v);
  }
  return v;
}

/** `/spec/tags/0` → `spec.tags[0]` */
function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function describe(e: ErrorObject, root: unknown): FieldError {
  const base = fieldPath(e.instancePath);
  const at = (f: string) => (base ? `${base}.${f}` : f);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { field: at(String(p.missingProperty)), message: 'Required value' };
    case 'additionalProperties':
      return { field: at(String(p.additionalProperty)), message: 'field not declared in schema: remove it or check its spelling' };
    case 'enum':
      return { field: base, message: `Unsupported value: ${JSON.stringify(valueAt(root, e.instancePath))}: supported values: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern':
      return { field: base, message: `Invalid value: ${JSON.stringify(valueAt(root, e.instancePath))}: must match ${String(p.pattern)}` };
    case 'uniqueItems':
      return { field: `${base}[${Math.max(Number(p.i), Number(p.j))}]`, message: `Duplicate value: ${JSON.stringify((valueAt(root, e.instancePath) as unknown[])[Number(p.i)])}` };
    case 'if':
      return { field: base, message: String((e.parentSchema as { errorMessage?: string } | undefined)?.errorMessage ?? e.message) };
    default:
      return { field: base, message: `Invalid value: ${JSON.stringify(valueAt(root, e.instancePath))}: ${e.message ?? e.keyword}` };
  }
}

function valueAt(root: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root);
}

/**
 * Validates a Weft object with the same schema its CRD is generated from (plus the cross-field
 * rules the CRD states in CEL). Returns one error per problem, naming the field and the fix; [] when valid.
 * @example validate('Workload', obj) // [{ field: 'spec.org', message: 'Required value' }]
 */
export function validate(kind: WeftKind, obj: unknown): FieldError[] {
  const v = validatorFor(kind);
  if (v(obj)) return [];
  const errors = (v.errors ?? [])
    .map((e) => crossFieldRule(kind, e) ?? (e.keyword === 'anyOf' ? undefined : describe(e, obj)))
    .filter((e): e is FieldError => e !== undefined);
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.field}|${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Errors inside an `allOf` entry come from a cross-field rule (the CEL rule's JSON Schema twin):
 * report the rule's own message at its field, as the apiserver does for x-kubernetes-validations.
 */
function crossFieldRule(kind: WeftKind, e: ErrorObject): FieldError | undefined {
  const m = /^(#.*?)\/allOf\/(\d+)\//.exec(e.schemaPath);
  if (!m) return undefined;
  const owner = m[1]!.split('/').slice(1).reduce<unknown>((s, k) => (s as Record<string, unknown>)?.[k], KINDS[kind]) as { allOf?: Array<{ errorMessage?: string; errorField?: string }> } | undefined;
  const rule = owner?.allOf?.[Number(m[2])];
  if (!rule?.errorMessage) return undefined;
  const base = m[1]!.split('/').filter((k) => k !== '#' && k !== 'properties').join('.');
  return { field: `${base}${rule.errorField ?? ''}`, message: `Invalid value: ${rule.errorMessage}` };
}

/** Formats errors as the apiserver does: `spec.org: Required value; spec.tags[0]: Invalid value: …`. */
export function formatErrors(kind: WeftKind, name: string | undefined, errors: FieldError[]): string {
  return `${kind} "${name ?? ''}" is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`;
}
