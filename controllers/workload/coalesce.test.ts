import { jest } from '@jest/globals';
import { StatusCoalescer } from './coalesce.js';

describe('StatusCoalescer', () => {
  let now = 0;
  const flushed: string[][] = [];
  const make = () => new StatusCoalescer({ quietMs: 1_000, burstMs: 10_000, gapMs: 300, now: () => now, flush: (keys) => flushed.push(keys) });
  beforeEach(() => {
    now = 100_000;
    flushed.length = 0;
    jest.useFakeTimers();
  });
  afterEach(() => jest.useRealTimers());

  it('quiet: holds the write until the pod leaves Pending or quietMs has passed', () => {
    const c = make();
    const at = c.created();
    now += 400; // no other creation: the burst gap has passed
    expect(c.holdBack('ns/a', at, () => true)).toBe(600);
    expect(c.holdBack('ns/a', at, () => false)).toBe(0);
    now += 600;
    expect(c.holdBack('ns/a', at, () => true)).toBe(0);
  });

  it('burst: holds the write up to burstMs and hands the held keys over once creations stop', () => {
    const c = make();
    const at = c.created();
    now += 100;
    c.created(); // still creating
    expect(c.holdBack('ns/a', at, () => false)).toBe(9_900);
    expect(c.holdBack('ns/b', at, () => false)).toBe(9_900);
    now += 100;
    jest.advanceTimersByTime(300); // the interval ticks while the burst is young: 200 ms since the last creation
    expect(flushed).toEqual([]);
    now += 200;
    jest.advanceTimersByTime(300);
    expect(flushed).toEqual([['ns/a', 'ns/b']]);
    c.stop();
  });

  it('a burst longer than burstMs no longer holds a pod created at its start', () => {
    const c = make();
    const at = c.created();
    now += 10_000;
    c.created();
    expect(c.holdBack('ns/a', at, () => true)).toBe(0);
    c.stop();
  });

  it('a forgotten key is not flushed', () => {
    const c = make();
    const at = c.created();
    expect(c.holdBack('ns/a', at, () => true)).toBe(10_000);
    c.forget('ns/a');
    now += 400;
    jest.advanceTimersByTime(300);
    expect(flushed).toEqual([[]]);
  });
});
