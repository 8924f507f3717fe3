import { DEFAULT_RETRY, isRetryableNetworkError, retryAfterMs, retryDelay } from './retry.js';

describe('retry policy', () => {
  it('backs off exponentially up to the cap, then gives up', () => {
    const policy = { ...DEFAULT_RETRY, maxRetries: 6, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4, 5, 6].map((retry) => retryDelay({ retry, policy }))).toEqual([100, 200, 400, 800, 1000, 1000, undefined]);
  });
  it('honours retry-after within the limit and gives up beyond it', () => {
    expect(retryDelay({ retry: 0, retryAfterMs: 2000 })).toBe(2000);
    expect(retryDelay({ retry: 0, retryAfterMs: 0 })).toBe(0);
    expect(retryDelay({ retry: 0, retryAfterMs: DEFAULT_RETRY.maxRetryAfterMs + 1 })).toBeUndefined();
    expect(retryDelay({ retry: DEFAULT_RETRY.maxRetries, retryAfterMs: 10 })).toBeUndefined();
  });
  it.each([
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'Sat, 05 Dec 2026 03:00:10 GMT' }, 10_000],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after-ms': '120', 'retry-after': '3' }, 120],
    [{}, undefined],
  ])('retry-after headers %j → %s ms', (headers, ms) => {
    expect(retryAfterMs(headers, Date.parse('2026-12-05T03:00:00Z'))).toBe(ms);
  });
  it('retries connection failures only', () => {
    expect(isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBe(false);
    expect(isRetryableNetworkError(new Error('x'))).toBe(false);
  });
});
