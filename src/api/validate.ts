import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { schema as agenttask } from './agenttask/schema.generated.js';
import { toFieldErrors, type FieldError } from './field-errors.js';
import { schema as job } from './job/schema.generated.js';
import { schema as meshnode } from './meshnode/schema.generated.js';
import { schema as orgcluster } from './orgcluster/schema.generated.js';
import { schema as workload } from './workload/schema.generated.js';

export type { FieldError } from './field-errors.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The Weft kinds the validator knows, with the JSON Schema of each (generated from src/api/<kind>/schema.yaml). */
export const KINDS = { MeshNode: meshnode, OrgCluster: orgcluster, Workload: workload, AgentTask: agenttask, Job: job } as const;
/** A Weft kind name. */
export type WeftKind = keyof typeof KINDS;

/** An object that failed validation; `errors` names every offending field. */
export class ValidationError extends Error {
  constructor(
    readonly kind: string,
    readonly objectName: string | undefined,
    readonly errors: FieldError[],
  ) {
    super(formatErrors(kind, objectName, errors));
    this.name = 'ValidationError';
  }
}

type KeywordCheck = ((keys: unknown, data: unknown) => boolean) & { errors?: Array<Partial<ErrorObject>> };

/** `x-kubernetes-list-type: map`: no two items may share their key fields (e.g. conditions by type). */
const uniqueKeys: KeywordCheck = (keys, data) => {
  if (!Array.isArray(data)) return true;
  const seen = new Map<string, number>();
  for (const [j, item] of data.entries()) {
    if (!item || typeof item !== 'object') continue;
    const id = JSON.stringify((keys as string[]).map((k) => (item as Record<string, unknown>)[k]));
    const i = seen.get(id);
    if (i !== undefined) {
      uniqueKeys.errors = [{ keyword: 'uniqueKeys', params: { i, j, keys }, message: `must not repeat ${(keys as string[]).join(', ')}` }];
      return false;
    }
    seen.set(id, j);
  }
  return true;
};

const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
ajv.addKeyword({ keyword: 'uniqueKeys', type: 'array', schemaType: 'array', errors: true, validate: uniqueKeys });
// The cross-field rules' messages and fields, read back when reporting (annotations, not checks).
for (const keyword of ['errorMessage', 'errorField']) ajv.addKeyword({ keyword, schemaType: 'string' });
const compiled = new Map<WeftKind, ValidateFunction>();

function validatorFor(kind: WeftKind): ValidateFunction {
  let v = compiled.get(kind);
  if (!v) {
    v = ajv.compile(KINDS[kind] as object);
    compiled.set(kind, v);
  }
  return v;
}

/** Is `kind` one of the Weft kinds? */
export function isWeftKind(kind: unknown): kind is WeftKind {
  return typeof kind === 'string' && Object.hasOwn(KINDS, kind);
}

/**
 * Validates a Weft object with the same schema its CRD is generated from, plus the cross-field
 * rules the CRD states in CEL (transition rules, which compare with the old object, are left to the
 * apiserver). Unknown fields are errors (the apiserver would silently drop them). Returns one error
 * per problem, naming the field, the value and the fix; [] when the object is valid.
 * @example validate('Workload', obj) // [{ field: 'spec.org', message: 'Required value (The organisation that owns this object…)' }]
 */
export function validate(kind: WeftKind, obj: unknown): FieldError[] {
  const v = validatorFor(kind);
  if (v(obj)) return [];
  return toFieldErrors(KINDS[kind], v.errors ?? [], obj);
}

/**
 * Validates any object that claims to be a Weft kind (by its `kind`), e.g. a request body or a
 * manifest from a file. An unknown kind is one error naming the kinds there are.
 */
export function validateObject(obj: unknown): FieldError[] {
  const kind = (obj as { kind?: unknown } | null)?.kind;
  if (!isWeftKind(kind)) {
    return [{ field: 'kind', message: `Unsupported value: ${JSON.stringify(kind)}: supported values: ${Object.keys(KINDS).map((k) => JSON.stringify(k)).join(', ')}` }];
  }
  return validate(kind, obj);
}

/**
 * Throws a ValidationError listing every problem unless `obj` is a valid `kind`; returns it typed
 * otherwise. For webhooks and HTTP handlers that turn the error into a denial or a 422.
 */
export function assertValid<T>(kind: WeftKind, obj: unknown): T {
  const errors = validate(kind, obj);
  if (errors.length) throw new ValidationError(kind, (obj as { metadata?: { name?: string } } | null)?.metadata?.name, errors);
  return obj as T;
}

/** Formats errors as the apiserver does: `Workload "x" is invalid: spec.org: Required value; spec.tags[0]: Invalid value: …`. */
export function formatErrors(kind: string, name: string | undefined, errors: FieldError[]): string {
  return `${kind} "${name ?? ''}" is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`;
}
