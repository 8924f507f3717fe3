import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** A JSON Schema node (loosely typed: the generator walks arbitrary schemas). */
export type Schema = { [key: string]: unknown };

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
  printerColumns: Array<{ name: string; type: string; jsonPath: string; priority?: number; description?: string }>;
  spec: Schema;
  status: Schema;
}

export const GROUP = 'weft.dev';
export const VERSION = 'v1alpha1';
/** Kinds in generation order (also the order of docs/api.md). */
export const KIND_DIRS = ['meshnode', 'orgcluster', 'workload', 'agenttask', 'job'] as const;

/** Reads the shared definitions and every kind's schema from src/api. */
export function loadSources(apiDir: string): { defs: Record<string, Schema>; kinds: KindSource[] } {
  const defs = parse(readFileSync(join(apiDir, 'common', 'defs.yaml'), 'utf8')) as Record<string, Schema>;
  const kinds = KIND_DIRS.map((dir) => ({ dir, ...(parse(readFileSync(join(apiDir, dir, 'schema.yaml'), 'utf8')) as Omit<KindSource, 'dir'>) }));
  return { defs, kinds };
}

/**
 * Inlines every `$ref: common#/<name>` (CRD schemas must be structural: no references). Keys next to
 * a $ref (description, default…) override the referenced definition's.
 */
export function resolveRefs(node: unknown, defs: Record<string, Schema>, path = '$'): unknown {
  if (Array.isArray(node)) return node.map((n, i) => resolveRefs(n, defs, `${path}[${i}]`));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Schema;
  if (typeof obj.$ref === 'string') {
    const m = /^common#\/(\w+)$/.exec(obj.$ref);
    if (!m || !defs[m[1]!]) throw new Error(`${path}: unknown $ref "${obj.$ref}" (known: ${Object.keys(defs).map((k) => `common#/${k}`).join(', ')})`);
    const { $ref: _ref, ...local } = obj;
    return resolveRefs({ ...defs[m[1]!], ...local }, defs, path);
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(obj)) out[k] = resolveRefs(v, defs, `${path}.${k}`);
  return out;
}

/** Deep-copies a schema without the keys `drop` returns true for (walks properties, items, etc.). */
export function stripKeys(node: unknown, drop: (key: string, parent: Schema) => boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => stripKeys(n, drop));
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) if (!drop(k, node as Schema)) out[k] = stripKeys(v, drop);
  return out;
}
