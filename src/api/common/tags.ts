/**
 * Tags on MeshNodes and OrgClusters, and in placement rules: `key` or `key:value` (`ssd`,
 * `gpu:a100`, `zone:eu-1`). Keys are lower-case DNS-like words; values may use upper case, digits,
 * `.`, `_`, `-` and `*` (a wildcard in placement rules and tag ownership). The same pattern is in the
 * CRD schemas (src/api/common/defs.yaml), so a tag that parses here is one the apiserver accepts.
 */

/** A parsed tag (the wire form is the string type `Tag` in types.ts): `gpu:a100` → { key: 'gpu', value: 'a100' }; `ssd` → { key: 'ssd' }. */
export interface ParsedTag {
  key: string;
  value?: string;
}

/** The tag pattern the CRDs enforce. */
export const TAG_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[a-zA-Z0-9*._-]+)?$/;
/** Longest tag the CRDs accept. */
export const TAG_MAX_LENGTH = 128;

/** A malformed tag; `tag` is what was given. */
export class TagError extends Error {
  constructor(readonly tag: unknown) {
    super(
      `${JSON.stringify(tag)} is not a valid tag: use key or key:value with a lower-case key of letters, digits, "-" and "." ` +
        `and a value of letters, digits, ".", "_", "-" or "*", at most ${TAG_MAX_LENGTH} characters (e.g. gpu:a100, zone:eu-1, ssd)`,
    );
    this.name = 'TagError';
  }
}

/** Is `tag` a well-formed tag? */
export function isValidTag(tag: unknown): tag is string {
  return typeof tag === 'string' && tag.length <= TAG_MAX_LENGTH && TAG_PATTERN.test(tag);
}

/**
 * Parses a tag, throwing a TagError that names the value and the rule when it is malformed.
 * @example parseTag('gpu:a100') // { key: 'gpu', value: 'a100' }
 */
export function parseTag(tag: string): ParsedTag {
  if (!isValidTag(tag)) throw new TagError(tag);
  const i = tag.indexOf(':');
  return i < 0 ? { key: tag } : { key: tag.slice(0, i), value: tag.slice(i + 1) };
}

/** Parses a list of tags; the first malformed one throws. */
export function parseTags(tags: readonly string[]): ParsedTag[] {
  return tags.map(parseTag);
}

/** The string form of a tag: `{ key: 'gpu', value: 'a100' }` → `gpu:a100`. Validates the result. */
export function formatTag(tag: ParsedTag): string {
  const s = tag.value === undefined ? tag.key : `${tag.key}:${tag.value}`;
  if (!isValidTag(s)) throw new TagError(s);
  return s;
}

/**
 * Does one tag satisfy a wanted tag? A bare key (`gpu`) or a wildcard (`gpu:*`) matches the key with
 * any value or none; `gpu:a100` matches only `gpu:a100`.
 */
export function tagMatches(have: string, want: string): boolean {
  const h = parseTag(have);
  const w = parseTag(want);
  if (h.key !== w.key) return false;
  return w.value === undefined || w.value === '*' || h.value === w.value;
}

/**
 * Does a tag set satisfy a required tag? `gpu` and `gpu:*` match `gpu` and any `gpu:…`; `gpu:a100`
 * only itself.
 * @example hasTag(['gpu:a100', 'ssd'], 'gpu') // true
 */
export function hasTag(tags: readonly string[], required: string): boolean {
  return tags.some((t) => tagMatches(t, required));
}

/** The values a tag set has for `key`: `tagValues(['zone:eu-1', 'ssd'], 'zone')` → `['eu-1']`. */
export function tagValues(tags: readonly string[], key: string): string[] {
  return parseTags(tags).flatMap((t) => (t.key === key && t.value !== undefined ? [t.value] : []));
}
