import { transformSchema, type CelRule, type ResolvedKind, type Schema } from './load.js';

/** Keywords a source schema may use (a typo, or a YAML flow map split at a comma, shows up as another key). */
const KEYWORDS = new Set([
  'description', 'type', 'properties', 'required', 'items', 'additionalProperties', 'enum', 'default', 'minimum', 'maximum',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'pattern', 'format', 'anyOf', 'allOf',
  'oneOf', 'not', 'nullable', 'title', 'tsType', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

/**
 * What the generator insists on in every schema, so the CRDs stay explainable (`kubectl explain`),
 * structural (the apiserver rejects others), and cheap for the apiserver's CEL cost estimator:
 * - every field has a description;
 * - every node has a type (or is int-or-string / preserve-unknown-fields);
 * - every list has maxItems, every map maxProperties, every free string maxLength (or an enum);
 * - every CEL rule has a message, and a JSON Schema twin (`ajv:`) unless it is a transition rule;
 * - no unknown keywords.
 * Returns one line per problem, naming the field and the fix; [] when all is well.
 */
export function checkSchema(root: Schema, name: string): string[] {
  const problems: string[] = [];
  transformSchema(root, (n, path) => {
    const last = path[path.length - 1];
    if (last?.startsWith('|')) return n; // a junctor branch (int-or-string's anyOf) only constrains its parent
    const at = [name, ...path].join('.').replace(/\.\[\]/g, '[]').replace(/\.\{\}/g, '{}');
    const isField = last !== undefined && last !== '[]' && last !== '{}';
    for (const problem of [...keywordProblems(n), ...structureProblems(n, isField), ...boundProblems(n), ...celProblems(n)]) problems.push(`${at}: ${problem}`);
    return n;
  });
  return problems;
}

/** Keys of a node that are no keyword we know. */
function keywordProblems(n: Schema): string[] {
  return Object.keys(n).filter((key) => !KEYWORDS.has(key)).map((key) => `unknown keyword ${JSON.stringify(key)} (quote descriptions that contain a comma)`);
}

/** A field without a description; a node without a type (unless int-or-string or preserve-unknown-fields). */
function structureProblems(n: Schema, isField: boolean): string[] {
  const problems: string[] = [];
  if (isField && typeof n.description !== 'string') problems.push('add a description (kubectl explain prints it)');
  if (!n.type && n['x-kubernetes-int-or-string'] !== true && n['x-kubernetes-preserve-unknown-fields'] !== true) {
    problems.push('add a type (CRD schemas must be structural)');
  }
  return problems;
}

/** A list without maxItems, a map without maxProperties, a free string without maxLength. */
function boundProblems(n: Schema): string[] {
  const problems: string[] = [];
  if (n.type === 'array' && n.maxItems === undefined) problems.push('add maxItems (bounds CEL cost and object size)');
  if (n.type === 'object' && n.additionalProperties && n.maxProperties === undefined) problems.push('add maxProperties');
  if (n.type === 'string' && n.maxLength === undefined && n.enum === undefined && n.format === undefined) problems.push('add maxLength or an enum');
  return problems;
}

/** CEL rules without a message, or (unless a transition rule) without their JSON Schema twin. */
function celProblems(n: Schema): string[] {
  const problems: string[] = [];
  for (const rule of (n['x-kubernetes-validations'] as CelRule[] | undefined) ?? []) {
    if (!rule.message) problems.push(`CEL rule ${JSON.stringify(rule.rule)} needs a message that says how to fix it`);
    if (!rule.ajv && !rule.rule.includes('oldSelf')) problems.push(`CEL rule ${JSON.stringify(rule.rule)} needs its JSON Schema twin under ajv: (the validators cannot run CEL)`);
  }
  return problems;
}

/** Checks every kind; throws one error listing every problem. */
export function checkKinds(kinds: ResolvedKind[]): void {
  const problems = kinds.flatMap(({ k, spec, status }) => [...checkSchema(spec, `${k.kind}.spec`), ...checkSchema(status, `${k.kind}.status`)]);
  if (problems.length) throw new Error(`the schemas in src/api need fixing:\n  ${problems.join('\n  ')}`);
}
