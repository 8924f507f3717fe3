import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** A JSON Schema node (loosely typed: the generator walks arbitrary schemas). */
export type Schema = { [key: string]: unknown };

/** One additionalPrinterColumn of a CRD version. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
  description?: string;
}

/** One kind's source file: src/api/<kind>/schema.yaml. */
export interface KindSource {
  /** Directory name under src/api, e.g. "meshnode". */
  dir: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Cluster' | 'Namespaced';
  description: string;
  printerColumns: PrinterColumn[];
  spec: Schema;
  status: Schema;
}

/** A kind with its spec and status schemas, shared definitions inlined. */
export interface ResolvedKind {
  k: KindSource;
  spec: Schema;
  status: Schema;
}

/** One CEL rule as written in a schema source, with its JSON Schema twin for ajv. */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: string;
  ajv?: Schema;
}

export const GROUP = 'weft.dev';
export const VERSION = 'v1alpha1';
/** Kinds in generation order (also the order of docs/api.md). */
export const KIND_DIRS = ['meshnode', 'orgcluster', 'workload', 'agenttask', 'job'] as const;
const REF = /^common#\/(\w+)$/;

/** Reads the shared definitions and every kind's schema from src/api. */
export function loadSources(apiDir: string): { defs: Record<string, Schema>; kinds: KindSource[] } {
  const defs = parse(readFileSync(join(apiDir, 'common', 'defs.yaml'), 'utf8')) as Record<string, Schema>;
  const kinds = KIND_DIRS.map((dir) => ({ dir, ...(parse(readFileSync(join(apiDir, dir, 'schema.yaml'), 'utf8')) as Omit<KindSource, 'dir'>) }));
  return { defs, kinds };
}

/** The definition name a `$ref: common#/<name>` points to; throws naming the known names. */
export function refName(ref: unknown, defs: Record<string, Schema>, path: string): string {
  const m = typeof ref === 'string' ? REF.exec(ref) : null;
  if (!m || !defs[m[1]!]) throw new Error(`${path}: unknown $ref ${JSON.stringify(ref)} (known: ${Object.keys(defs).map((k) => `common#/${k}`).join(', ')})`);
  return m[1]!;
}

/**
 * Inlines every `$ref: common#/<name>` (CRD schemas must be structural: no references). Keys next to
 * a $ref (description, default…) override the referenced definition's.
 */
export function resolveRefs(node: unknown, defs: Record<string, Schema>, path = '$'): unknown {
  if (Array.isArray(node)) return node.map((n, i) => resolveRefs(n, defs, `${path}[${i}]`));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Schema;
  if (obj.$ref !== undefined) {
    const name = refName(obj.$ref, defs, path);
    const { $ref: _ref, ...local } = obj;
    return resolveRefs({ ...defs[name], ...local }, defs, path);
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(obj)) out[k] = resolveRefs(v, defs, `${path}.${k}`);
  return out;
}

/** Every kind with its spec and status resolved against the shared definitions. */
export function resolveKinds(kinds: KindSource[], defs: Record<string, Schema>): ResolvedKind[] {
  return kinds.map((k) => ({
    k,
    spec: resolveRefs(k.spec, defs, `${k.kind}.spec`) as Schema,
    status: resolveRefs(k.status, defs, `${k.kind}.status`) as Schema,
  }));
}

/** Keywords whose value is a schema, and those whose value is a list or map of schemas. */
const SCHEMA_KEYS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else'];
const SCHEMA_LIST_KEYS = ['anyOf', 'allOf', 'oneOf'];

/**
 * Deep-copies a schema, letting `fn` rewrite each schema node top-down (its result is what is walked
 * next). Only schema positions are visited (properties, items, additionalProperties, junctors), so a
 * property called `title` or `format` is never mistaken for a keyword. `path` names the node:
 * property names, `[]` for items, `{}` for additionalProperties, `|anyOf` (etc.) for junctor branches.
 */
export function transformSchema(node: Schema, fn: (s: Schema, path: string[]) => Schema, path: string[] = []): Schema {
  const out = fn({ ...node }, path);
  if (out.properties && typeof out.properties === 'object') {
    const props: Schema = {};
    for (const [k, v] of Object.entries(out.properties as Record<string, Schema>)) props[k] = transformSchema(v, fn, [...path, k]);
    out.properties = props;
  }
  for (const key of SCHEMA_KEYS) {
    const v = out[key];
    if (v && typeof v === 'object' && !Array.isArray(v)) out[key] = transformSchema(v as Schema, fn, key === 'items' ? [...path, '[]'] : key === 'additionalProperties' ? [...path, '{}'] : path);
  }
  for (const key of SCHEMA_LIST_KEYS) {
    if (Array.isArray(out[key])) out[key] = (out[key] as Schema[]).map((v) => transformSchema(v, fn, [...path, `|${key}`]));
  }
  return out;
}

/** A copy of a schema node without the given keywords (the node only, not its children). */
export function omitKeys(s: Schema, drop: (key: string) => boolean): Schema {
  return Object.fromEntries(Object.entries(s).filter(([k]) => !drop(k)));
}

/** Keys only the generator reads: never in a CRD or an ajv schema. */
export const SOURCE_ONLY_KEYS = new Set(['title', 'tsType']);

/** `pullRequest` → `PullRequest`, `spec-kit` → `SpecKit`. */
export function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
