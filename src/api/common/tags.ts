/** A parsed tag: `gpu:a100` → { key: 'gpu', value: 'a100' }; `ssd` → { key: 'ssd' }. */
export interface Tag {
  key: string;
  value?: string;
}

/** The tag pattern the CRDs enforce. */
export const TAG_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[a-zA-Z0-9*._-]+)?$/;

/** Parses a tag, throwing with the rule when it is malformed. */
export function parseTag(tag: string): Tag {
  if (!TAG_PATTERN.test(tag) || tag.length > 128) {
    throw new Error(`"${tag}" is not a valid tag: use key or key:value with a lower-case key (e.g. gpu:a100, zone:eu-1, ssd)`);
  }
  const i = tag.indexOf(':');
  return i < 0 ? { key: tag } : { key: tag.slice(0, i), value: tag.slice(i + 1) };
}

/**
 * Does a node's tag set satisfy a required tag? `gpu` matches any `gpu:*`; `gpu:*` too; `gpu:a100`
 * only itself.
 */
export function hasTag(tags: readonly string[], required: string): boolean {
  const want = parseTag(required);
  return tags.some((t) => {
    const have = parseTag(t);
    if (have.key !== want.key) return false;
    return want.value === undefined || want.value === '*' || have.value === want.value;
  });
}
