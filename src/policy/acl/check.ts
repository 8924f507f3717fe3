// The validation context: collects problems with their JSON path and line, and offers typed
// accessors that report (rather than throw) when a value has the wrong shape, so one pass finds
// every problem.

import type { PolicyProblem } from './errors.js';
import { joinPath, type JsonObject, type JsonValue, type SourcePosition } from './hujson.js';

/** A string found in the policy, with its JSON path. */
export interface Located {
  readonly text: string;
  readonly path: string;
}

/** What an object may hold: its canonical keys, how messages name it, whether `#` keys are comments. */
export interface ObjectShape {
  readonly keys: readonly string[];
  readonly what: string;
  readonly allowComments?: boolean;
}

/** A member of an object found under a canonical (known) key. */
export interface Member {
  readonly value: JsonValue;
  readonly path: string;
}

/** Do a[i-2..i) and b[j-2..j) hold the same two letters swapped ("ts" and "st")? */
function swapped(a: string, b: string, i: number, j: number): boolean {
  return i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
}

/** Edit distance counting a swap of adjacent letters as one edit ("dts" → "dst"). */
function editDistance(a: string, b: string): number {
  // rows[i][j]: the distance between a's first i letters and b's first j letters.
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const up = rows[i - 1]!;
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (swapped(a, b, i, j)) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

const KIND = /^(group:|tag:|autogroup:)/;

/**
 * The closest known name, if it is near enough to be a likely typo: within a third of the
 * name's length (at least one edit), ignoring the `group:`/`tag:`/`autogroup:` prefix, so that
 * "tag:b" does not suggest "tag:a".
 */
export function suggest(name: string, known: Iterable<string>): string | undefined {
  const bare = name.toLowerCase().replace(KIND, '');
  let best: string | undefined;
  let bestDistance = Math.min(Math.max(1, Math.floor(bare.length / 3)), bare.length - 1) + 1;
  for (const k of known) {
    const d = editDistance(bare, k.toLowerCase().replace(KIND, ''));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Collects problems while walking a parsed policy. */
export class Checker {
  readonly problems: PolicyProblem[] = [];

  constructor(readonly positions: ReadonlyMap<string, SourcePosition>) {}

  /** Records a problem at `path`, with the line of that path or its nearest ancestor. */
  report(path: string, message: string, fix: string): void {
    const line = this.line(path);
    this.problems.push(line === undefined ? { path, message, fix } : { path, line, message, fix });
  }

  line(path: string): number | undefined {
    for (let p = path; p !== ''; p = p.replace(/(\[[^\]]*\]|\.?[^.[]+)$/, '')) {
      const pos = this.positions.get(p);
      if (pos) return pos.line;
    }
    return undefined;
  }

  array(value: JsonValue | undefined, path: string, what: string): JsonValue[] | undefined {
    if (Array.isArray(value)) return value;
    this.report(path, `${what} must be an array, got ${describe(value)}`, `write ${path.split(/[.[]/).pop() ?? path}: [ … ]`);
    return undefined;
  }

  object(value: JsonValue | undefined, path: string, what: string): JsonObject | undefined {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
    this.report(path, `${what} must be an object, got ${describe(value)}`, 'write { … }');
    return undefined;
  }

  string(value: JsonValue | undefined, path: string, what: string): string | undefined {
    if (typeof value === 'string') return value;
    this.report(path, `${what} must be a string, got ${describe(value)}`, 'quote it, e.g. "tag:ci"');
    return undefined;
  }

  /** Strings in an array; non-strings are reported and skipped. */
  strings(value: JsonValue | undefined, path: string, what: string): Located[] {
    const items = this.array(value, path, what) ?? [];
    return items.flatMap((item, i) => {
      const p = joinPath(path, i);
      const s = this.string(item, p, `each entry of ${what}`);
      return s === undefined ? [] : [{ text: s, path: p }];
    });
  }

  /**
   * The members of an object keyed by canonical name. Key matching is case-insensitive and
   * unknown keys are problems, as in Headscale (JSON v2 with case-insensitive names and
   * RejectUnknownMembers). Keys starting with `#` are ignored where `shape.allowComments` is set
   * (Headscale ignores them in `acls` entries for headscale-admin's metadata).
   */
  members(obj: JsonObject, path: string, shape: ObjectShape): Map<string, Member> {
    const { keys: allowed, what, allowComments = false } = shape;
    const byLower = new Map(allowed.map((k) => [k.toLowerCase(), k]));
    const out = new Map<string, Member>();
    for (const [key, value] of Object.entries(obj)) {
      const p = joinPath(path, key);
      const canonical = byLower.get(key.toLowerCase());
      if (allowComments && key.startsWith('#')) continue;
      if (canonical === undefined) {
        const near = suggest(key, allowed);
        this.report(p, `unknown key ${JSON.stringify(key)} in ${what}`, near ? `did you mean ${JSON.stringify(near)}?` : `allowed keys: ${allowed.join(', ')}`);
      } else if (out.has(canonical)) {
        this.report(p, `key ${JSON.stringify(key)} repeats ${JSON.stringify(canonical)} (keys are case-insensitive)`, 'keep one of them');
      } else {
        out.set(canonical, { value, path: p });
      }
    }
    return out;
  }
}

/** Names a JSON value's type for messages. */
export function describe(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
