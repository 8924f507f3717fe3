/**
 * Tags as the placement engine matches them: small integer ids per tag and per tag key, and tag
 * lists indexed once as bitsets, so that matching a wanted tag against a node or a cluster is a
 * bit test with the same answers as hasTag().
 */
import { parseTag, tagValues } from '../api/common/tags.js';

/**
 * Small integer ids for tags (`gpu:a100`) and tag keys (written `gpu:*`), so that a tag set is a
 * bitset and matching is a bit test. Ids are handed out when nodes and clusters are set, never for
 * a request (an unknown wanted tag simply matches nothing), and live as long as the engine.
 */
export class TagIds {
  private readonly ids = new Map<string, number>();

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) this.ids.set(s, (id = this.ids.size));
    return id;
  }

  /** The id of a tag or key form, or -1 when no node or cluster ever had it. */
  peek(s: string): number {
    return this.ids.get(s) ?? -1;
  }
}

/** A tag a request wants: one exact tag (`gpu:a100`) or any value of a key (`gpu`, `gpu:*`), as tagMatches() defines. */
export interface WantedTag {
  tag: string;
  /** Id of the tag, or of its key form `key:*` when any value will do; -1 when no node or cluster has it. */
  id: number;
}

/** The WantedTag of a request's tag (never hands out a new id). */
export function wantedTag(ids: TagIds, tag: string): WantedTag {
  const p = parseTag(tag);
  const anyValue = p.value === undefined || p.value === '*';
  return { tag, id: ids.peek(anyValue ? `${p.key}:*` : tag) };
}

/**
 * A tag list indexed once: a bitset of its tags' and keys' ids, so that matching a wanted tag is a
 * bit test with the same answers as hasTag() (a bare key or `key:*` matches any value of the key).
 */
export class TagIndex {
  readonly tags: readonly string[];
  private readonly bits: Uint32Array;
  private readonly ids: TagIds;
  /** The value of each key, by the id of the key's `key:*` form. */
  private readonly values: Array<string | undefined> = [];

  constructor(tags: readonly string[], ids: TagIds) {
    this.ids = ids;
    this.tags = [...new Set(tags)].sort();
    const keys = new Set(this.tags.map((t) => parseTag(t).key));
    const set = [...this.tags.map((t) => ids.intern(t)), ...[...keys].map((k) => ids.intern(`${k}:*`))];
    this.bits = new Uint32Array((Math.max(-1, ...set) >>> 5) + 1);
    for (const id of set) this.bits[id >>> 5]! |= 1 << (id & 31);
    for (const key of keys) {
      const values = tagValues(this.tags, key).sort();
      if (values[0] !== undefined) this.values[ids.intern(`${key}:*`)] = values[0];
    }
  }

  matches(w: WantedTag): boolean {
    return w.id >= 0 && ((this.bits[w.id >>> 5] ?? 0) & (1 << (w.id & 31))) !== 0;
  }

  /** The value of a key, by the id of its `key:*` form (the first in sorted order when there are several). */
  valueOf(keyId: number): string | undefined {
    return keyId >= 0 ? this.values[keyId] : undefined;
  }

  /** The value of `key` (the first in sorted order when there are several). */
  value(key: string): string | undefined {
    return this.valueOf(this.ids.peek(`${key}:*`));
  }

  sameAs(tags: readonly string[]): boolean {
    const other = [...new Set(tags)].sort();
    return other.length === this.tags.length && other.every((t, i) => t === this.tags[i]);
  }
}
