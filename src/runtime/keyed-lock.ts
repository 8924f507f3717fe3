/**
 * Runs async work one at a time per key, in this process: a call for a key starts when the previous
 * one for that key has settled, whatever its outcome; keys with nothing in flight are forgotten.
 * @example const locks = new KeyedLock(); await locks.run(mirrorDir, () => fetchInto(mirrorDir));
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with work in flight or waiting (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
