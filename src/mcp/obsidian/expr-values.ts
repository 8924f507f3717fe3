import type { VaultFile } from './records.js';

/** What an expression sees: the file, a link resolver and the base's formulas. */
export interface EvalContext {
  readonly file: VaultFile;
  readonly resolveLink: (target: string, from: string) => string | undefined;
  readonly formulas: Readonly<Record<string, string>>;
  readonly now: number;
}

/** The `file` object of Bases, bound to one file. */
export class FileRef {
  constructor(readonly ctx: EvalContext) {}
}

export const DAY = 86_400_000;
export const DURATION = /^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)[a-z]*\s*$/i;
export const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY, y: 365 * DAY };
export function isDateString(v: unknown): v is string {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v));
}

/** Orders two values: numbers, ISO dates (against numbers) and strings. */
export function compare(a: unknown, b: unknown): number | undefined {
  const x = typeof b === 'number' && isDateString(a) ? Date.parse(a) : a;
  const y = typeof x === 'number' && isDateString(b) ? Date.parse(b) : b;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'string' && typeof y === 'string') return x.localeCompare(y);
  if (typeof x === 'boolean' && typeof y === 'boolean') return Number(x) - Number(y);
  return undefined;
}

export function equal(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && !Array.isArray(b)) return a.some((v) => equal(v, b));
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return compare(a, b) === 0 || a === b;
}

/** Whether a value counts as true in a filter (empty strings and lists do not). */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

/** A `file.<name>` property of Bases. */
export function fileProperty(f: FileRef, name: string): unknown {
  const file = f.ctx.file;
  const props: Record<string, () => unknown> = {
    name: () => `${file.name}.${file.ext}`,
    basename: () => file.name,
    path: () => file.path,
    folder: () => file.folder,
    ext: () => file.ext,
    size: () => file.size,
    mtime: () => file.mtime,
    ctime: () => file.ctime,
    tags: () => file.tags,
    links: () => file.links.map((l) => l.target),
    properties: () => file.frontmatter,
  };
  return props[name]?.();
}

