import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ToolError } from '../errors.js';
import { compiled, evaluate } from './expr-eval.js';
import { ExprError } from './expr-parse.js';
import { compare, truthy, type EvalContext } from './expr-values.js';
import type { VaultFile } from './records.js';
import { SearchSyntaxError, matchesSearch, parseSearch } from './search-syntax.js';
import type { VaultIndex } from './vault-index.js';

type Filter = string | { and: Filter[] } | { or: Filter[] } | { not: Filter[] };
const FilterSchema: z.ZodType<Filter> = z.lazy(() =>
  z.union([z.string(), z.object({ and: z.array(FilterSchema) }).strict(), z.object({ or: z.array(FilterSchema) }).strict(), z.object({ not: z.array(FilterSchema) }).strict()]),
);
const SortSchema = z.object({ property: z.string(), direction: z.enum(['ASC', 'DESC', 'asc', 'desc']).default('ASC') });
const ViewSchema = z.looseObject({
  type: z.string().default('table'),
  name: z.string().optional(),
  filters: FilterSchema.optional(),
  order: z.array(z.string()).optional(),
  sort: z.array(SortSchema).optional(),
  groupBy: SortSchema.optional(),
  limit: z.number().int().positive().optional(),
});
const BaseSchema = z.looseObject({
  filters: FilterSchema.optional(),
  formulas: z.record(z.string(), z.string()).optional(),
  views: z.array(ViewSchema).optional(),
});

/** A query set in the vault: a `.base` file (one query per view) or a note with `query` blocks. */
export interface QuerySetInfo {
  readonly name: string;
  readonly path: string;
  readonly kind: 'base' | 'note';
  readonly queries: ReadonlyArray<{ name: string; line?: number | undefined }>;
}

/** One evaluated query: how many notes matched and the rows (after the view's order and limit). */
export interface QueryResult {
  readonly query: string;
  readonly total: number;
  readonly rows: ReadonlyArray<{ path: string; values: Record<string, unknown> }>;
}

/** A query set that is not valid (bad YAML, unknown function, bad search syntax): names the file. */
export class QuerySetError extends ToolError {
  override readonly name = 'QuerySetError';
}

function parseBase(f: VaultFile): z.infer<typeof BaseSchema> {
  let raw: unknown;
  try {
    raw = parseYaml(f.body) ?? {};
  } catch (err) {
    throw new QuerySetError('name', `${f.path}: not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const parsed = BaseSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new QuerySetError('name', `${f.path}: ${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Every query set of the vault, sorted by name. */
export function listQuerySets(index: VaultIndex): QuerySetInfo[] {
  const out: QuerySetInfo[] = [];
  for (const f of index.all()) {
    if (f.ext === 'base') {
      let views: Array<{ name?: string | undefined }> = [];
      try {
        views = parseBase(f).views ?? [];
      } catch {
        views = [];
      }
      out.push({ name: f.path.replace(/\.base$/i, ''), path: f.path, kind: 'base', queries: (views.length ? views : [{}]).map((v, i) => ({ name: v.name ?? `view ${i + 1}` })) });
    } else if (f.queries.length > 0) {
      out.push({ name: f.path.replace(/\.md$/i, ''), path: f.path, kind: 'note', queries: f.queries.map((q) => ({ name: q.name, line: q.line })) });
    }
  }
  return out;
}

function matches(filter: Filter | undefined, ctx: EvalContext): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return truthy(evaluate(compiled(filter), ctx, filter));
  if ('and' in filter) return filter.and.every((x) => matches(x, ctx));
  if ('or' in filter) return filter.or.some((x) => matches(x, ctx));
  return !filter.not.some((x) => matches(x, ctx));
}

function value(property: string, ctx: EvalContext): unknown {
  return evaluate(compiled(property), ctx, property);
}

/** Sorts by each key in turn (groupBy first, then sort), each ASC or DESC. */
function sortHits(hits: EvalContext[], keys: ReadonlyArray<z.infer<typeof SortSchema>>): void {
  if (keys.length === 0) return;
  const sortValues = new Map(hits.map((c) => [c, keys.map((k) => value(k.property, c))]));
  hits.sort((a, b) => {
    for (const [i, k] of keys.entries()) {
      const c = compare(sortValues.get(a)?.[i], sortValues.get(b)?.[i]) ?? 0;
      if (c !== 0) return k.direction.toUpperCase() === 'DESC' ? -c : c;
    }
    return 0;
  });
}

type View = z.infer<typeof ViewSchema>;
const ALL: View = { type: 'table' };

function filtered(index: VaultIndex, base: z.infer<typeof BaseSchema>, view: View): EvalContext[] {
  const now = Date.now();
  const formulas = base.formulas ?? {};
  const resolveLink = (t: string, from: string) => index.resolveLink(t, from);
  const hits: EvalContext[] = [];
  for (const file of index.all()) {
    if (file.ext !== 'md') continue;
    const ctx = { file, formulas, now, resolveLink };
    if (matches(base.filters, ctx) && matches(view.filters, ctx)) hits.push(ctx);
  }
  return hits;
}

function runView(index: VaultIndex, base: z.infer<typeof BaseSchema>, view: View, limit: number): QueryResult {
  const hits = filtered(index, base, view);
  sortHits(hits, [...(view.groupBy ? [view.groupBy] : []), ...(view.sort ?? [])]);
  const columns = view.order?.length ? view.order : ['file.name'];
  const rows = hits.slice(0, Math.min(limit, view.limit ?? limit)).map((c) => ({ path: c.file.path, values: Object.fromEntries(columns.map((col) => [col, value(col, c) ?? null])) }));
  return { query: view.name ?? 'all', total: hits.length, rows };
}

function runNoteQueries(index: VaultIndex, note: VaultFile, only: string | undefined, limit: number): QueryResult[] {
  const blocks = note.queries.filter((q) => only === undefined || q.name === only);
  return blocks.map((q) => {
    let node;
    try {
      node = parseSearch(q.query);
    } catch (err) {
      throw new QuerySetError('name', `${note.path}:${q.line}: query ${JSON.stringify(q.query)}: ${(err as Error).message}`);
    }
    const hits = index.all().filter((f) => f.ext === 'md' && f.path !== note.path && matchesSearch(node, f));
    return { query: q.name, total: hits.length, rows: hits.slice(0, limit).map((f) => ({ path: f.path, values: { 'file.name': `${f.name}.md` } })) };
  });
}

/**
 * Evaluates a query set headlessly: every view of a `.base` (global filters AND view filters,
 * `sort`/`groupBy`, `order` as the returned columns, `limit`), or every `query` block of a note.
 *
 * @param only a view or block name, to run just that one
 * @throws QuerySetError naming the set, the file and the problem (unknown set, bad YAML, bad filter)
 */
export function runQuerySet(index: VaultIndex, name: string, options: { query?: string | undefined; limit: number }): { set: QuerySetInfo; results: QueryResult[] } {
  const set = listQuerySets(index).find((s) => s.name === name || s.path === name);
  if (!set) {
    const names = listQuerySets(index).map((s) => s.name);
    throw new QuerySetError('name', `no query set ${JSON.stringify(name)} (query sets: ${names.slice(0, 10).join(', ') || 'none'})`);
  }
  if (options.query !== undefined && !set.queries.some((q) => q.name === options.query)) {
    throw new QuerySetError('query', `query set ${set.name} has no query ${JSON.stringify(options.query)} (queries: ${set.queries.map((q) => q.name).join(', ')})`);
  }
  const file = index.get(set.path) as VaultFile;
  if (set.kind === 'note') return { set, results: runNoteQueries(index, file, options.query, options.limit) };
  const base = parseBase(file);
  const views = base.views?.length ? base.views : [ALL];
  try {
    const named = views.map((v, i) => ({ ...v, name: v.name ?? `view ${i + 1}` }));
    const chosen = named.filter((v) => options.query === undefined || v.name === options.query);
    return { set, results: chosen.map((v) => runView(index, base, v, options.limit)) };
  } catch (err) {
    if (err instanceof ExprError || err instanceof SearchSyntaxError) throw new QuerySetError('name', `${set.path}: ${err.message}`, { cause: err });
    throw err;
  }
}
