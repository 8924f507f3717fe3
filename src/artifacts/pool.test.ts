import { forEachPooled } from './pool.js';

describe('forEachPooled', () => {
  it('runs every item with at most the given number at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await forEachPooled([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      done.push(n);
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('starts nothing after the first failure, lets the calls in flight settle, then throws that failure', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = forEachPooled([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('item 2 failed');
      await new Promise((resolve) => setImmediate(resolve));
      settled++;
    });
    await expect(run).rejects.toThrow('item 2 failed');
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(1);
  });

  it('handles an empty list and a concurrency below one', async () => {
    await expect(forEachPooled([], 4, async () => undefined)).resolves.toBeUndefined();
    const seen: string[] = [];
    await forEachPooled(['a', 'b'], 0, async (s) => void seen.push(s));
    expect(seen).toEqual(['a', 'b']);
  });
});
