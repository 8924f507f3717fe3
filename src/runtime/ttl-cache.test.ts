import { AsyncTtlCache } from './ttl-cache.js';

describe('AsyncTtlCache', () => {
  it('keeps a value for the TTL or until its own expiry, whichever is first, and drops the oldest past maxEntries', async () => {
    let now = 0;
    let loads = 0;
    const cache = new AsyncTtlCache<string>({ ttlMs: 1000, maxEntries: 2, now: () => now });
    const load = (v: string) => async () => (loads++, v);
    expect(await cache.get('a', load('a1'), () => 500)).toBe('a1');
    now = 499;
    expect(await cache.get('a', load('a2'))).toBe('a1');
    now = 500;
    expect(await cache.get('a', load('a3'))).toBe('a3'); // its own expiry came before the TTL
    await cache.get('b', load('b'));
    await cache.get('c', load('c'));
    expect(cache.size).toBe(2);
    expect(await cache.get('a', load('a4'))).toBe('a4'); // 'a' was the oldest: dropped
    expect(loads).toBe(5); // a1, a3, b, c, a4: the fresh hit loaded nothing
  });
});
