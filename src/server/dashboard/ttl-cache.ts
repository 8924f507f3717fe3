/**
 * A small map whose entries expire after a fixed time, bounded in size (oldest entries go first).
 * Token and access reviews are cached in one so that a page's burst of calls costs one review.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Stores `value` for `ttlMs` (the cache's default, or shorter, e.g. for negative answers). */
  set(key: string, value: V, ttlMs = this.ttlMs): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: this.now() + ttlMs });
  }

  /** The cached value, else the result of `load` (concurrent misses share one call). */
  async getOrLoad(key: string, load: () => Promise<{ value: V; ttlMs?: number }>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    let p = this.pending.get(key);
    if (!p) {
      p = load()
        .then(({ value, ttlMs }) => {
          this.set(key, value, ttlMs);
          return value;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  private readonly pending = new Map<string, Promise<V>>();
}
