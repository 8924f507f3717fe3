import { ChangeFeed } from './feed.js';
import { TtlCache } from './ttl-cache.js';

const debounced = () => new Promise((r) => setTimeout(r, 60));

describe('ChangeFeed', () => {
  it('turns a burst of events into one message per debounce, naming each kind once', async () => {
    const feed = new ChangeFeed(20);
    const got: unknown[] = [];
    const stop = feed.subscribe((m) => got.push(m));
    for (let i = 0; i < 1000; i++) feed.notify(i % 2 ? 'nodes' : 'workloads');
    feed.notify('nodes');
    expect(got).toEqual([]);
    await debounced();
    expect(got).toEqual([{ rev: 1, kinds: ['nodes', 'workloads'] }]);
    feed.notify('events');
    await debounced();
    expect(got).toEqual([{ rev: 1, kinds: ['nodes', 'workloads'] }, { rev: 2, kinds: ['events'] }]);
    stop();
    feed.notify('nodes');
    await debounced();
    expect(got).toHaveLength(2);
    expect(feed.revision).toBe(3);
  });
});

describe('TtlCache', () => {
  it('expires entries, evicts the oldest beyond its size, and shares one load between concurrent misses', async () => {
    let now = 0;
    const cache = new TtlCache<string>(1000, 2, () => now);
    cache.set('a', '1');
    now = 999;
    expect(cache.get('a')).toBe('1');
    now = 1000;
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', '1');
    cache.set('b', '2');
    cache.set('c', '3');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, '2', '3']);
    let loads = 0;
    const load = async () => ({ value: String(++loads), ttlMs: 10 });
    expect(await Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load)])).toEqual(['1', '1']);
    now += 10;
    expect(await cache.getOrLoad('k', load)).toBe('2');
    await expect(cache.getOrLoad('e', async () => Promise.reject(new Error('apiserver down')))).rejects.toThrow('apiserver down');
    expect(cache.get('e')).toBeUndefined(); // failures are not cached
  });
});
