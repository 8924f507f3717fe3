import { backoffDelay, TokenBucket } from './backoff.js';
import { WorkQueue } from './workqueue.js';

describe('backoffDelay', () => {
  const opts = { baseMs: 100, capMs: 1000 };
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000],
    [60, 1000],
  ])('failure %i waits %i ms', (n, ms) => expect(backoffDelay(n, opts)).toBe(ms));

  it('adds at most the jitter fraction, never past the cap', () => {
    expect(backoffDelay(1, { ...opts, jitter: 0.5 }, () => 1)).toBe(150);
    expect(backoffDelay(1, { ...opts, jitter: 0.5 }, () => 0)).toBe(100);
    expect(backoffDelay(10, { ...opts, jitter: 0.5 }, () => 1)).toBe(1000);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then spaces requests at the rate', () => {
    let now = 0;
    const b = new TokenBucket(10, 2, () => now);
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(100);
    now = 1000;
    expect(b.reserve()).toBe(0);
  });
});

describe('WorkQueue', () => {
  it('de-duplicates keys that are queued', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(q.length).toBe(0);
  });

  it('never hands a key in flight to a second worker; a re-add while in flight runs once more after done', async () => {
    const q = new WorkQueue();
    q.add('k');
    const first = await q.get();
    q.add('k'); // event arrives while the first reconcile runs
    q.add('k');
    expect(q.length).toBe(0); // not handed out concurrently
    let second: string | undefined;
    const pending = q.get().then((k) => (second = k));
    await new Promise((r) => setImmediate(r));
    expect(second).toBeUndefined();
    q.done(first!);
    await pending;
    expect(second).toBe('k');
    q.done('k');
    expect(q.length).toBe(0); // the two adds collapsed into one re-run
  });

  it('hands a key straight to a waiting worker', async () => {
    const q = new WorkQueue();
    const got = q.get();
    q.add('x');
    expect(await got).toBe('x');
    expect(q.inFlight).toBe(1);
  });

  it('delays keys with addAfter (requeueAfter) and lets an earlier add win', async () => {
    const q = new WorkQueue();
    const t0 = Date.now();
    q.addAfter('later', 60);
    expect(q.length).toBe(0);
    expect(await q.get()).toBe('later');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);

    q.addAfter('soon', 10_000);
    q.add('soon');
    expect(q.length).toBe(1);
  });

  it('backs off exponentially per key and forget resets it', () => {
    const q = new WorkQueue({ backoff: { baseMs: 10, capMs: 1000 } });
    expect(q.addRateLimited('a')).toBe(10);
    expect(q.addRateLimited('a')).toBe(20);
    expect(q.addRateLimited('a')).toBe(40);
    expect(q.addRateLimited('b')).toBe(10);
    expect(q.retries('a')).toBe(3);
    q.forget('a');
    expect(q.retries('a')).toBe(0);
    expect(q.addRateLimited('a')).toBe(10);
    q.shutdown();
  });

  it('applies the overall rate limit on top of per-key backoff', () => {
    const q = new WorkQueue({ backoff: { baseMs: 1, capMs: 1 }, qps: 1, burst: 1 });
    expect(q.addRateLimited('a')).toBe(1);
    expect(q.addRateLimited('b')).toBeGreaterThanOrEqual(900);
    q.shutdown();
  });

  it('reports depth and latency to its metrics hooks', async () => {
    const depths: number[] = [];
    const latencies: number[] = [];
    const q = new WorkQueue({ metrics: { depth: (n) => depths.push(n), latency: (s) => latencies.push(s) } });
    q.add('a');
    q.add('b');
    await q.get();
    expect(depths).toEqual([1, 2, 1]);
    expect(latencies).toHaveLength(1);
  });

  it('resolves waiting workers with undefined on shutdown and ignores later adds', async () => {
    const q = new WorkQueue();
    const w = q.get();
    q.shutdown();
    expect(await w).toBeUndefined();
    q.add('z');
    expect(await q.get()).toBeUndefined();
  });
});
