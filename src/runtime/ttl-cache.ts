/**
 * Values loaded on demand and reused until they expire. Concurrent loads of one key share one call;
 * a load that fails or yields nothing (`undefined`) is not remembered; at most `maxEntries` are
 * kept (the oldest go first).
 * @example const secrets = new AsyncTtlCache<Data>({ ttlMs: 10_000 }); await secrets.get('ns/name', () => read('ns', 'name'));
 */
export class AsyncTtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  private readonly inflight = new Map<string, Promise<V | undefined>>();
  private readonly now: () => number;

  constructor(private readonly o: { ttlMs: number; maxEntries?: number; now?: () => number }) {
    this.now = o.now ?? Date.now;
  }

  /** Values remembered (fresh or not yet dropped). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The value of `key`: the remembered one while fresh, else what `load` gives, remembered for the
   * TTL or until `expiresAt(value)` (ms since the epoch), whichever comes first.
   */
  get(key: string, load: () => Promise<V | undefined>, expiresAt?: (value: V) => number | undefined): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return Promise.resolve(hit.value);
    if (hit) this.entries.delete(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = load()
        .then((value) => {
          if (value !== undefined) this.remember(key, value, expiresAt?.(value));
          return value;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private remember(key: string, value: V, until: number | undefined): void {
    if (this.entries.size >= (this.o.maxEntries ?? 10_000)) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: Math.min(this.now() + this.o.ttlMs, until ?? Number.POSITIVE_INFINITY) });
  }
}
