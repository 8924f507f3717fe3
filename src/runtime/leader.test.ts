import { canAcquire, microTime } from './leader.js';

describe('canAcquire', () => {
  const now = 100_000;
  it.each([
    ['no lease', undefined, true],
    ['empty holder (released)', { holder: '', renewTime: now, durationMs: 15_000 }, true],
    ['held by me', { holder: 'me', renewTime: now, durationMs: 15_000 }, true],
    ['held by another, fresh', { holder: 'other', renewTime: now - 5_000, durationMs: 15_000 }, false],
    ['held by another, expired', { holder: 'other', renewTime: now - 16_000, durationMs: 15_000 }, true],
  ])('%s → %s', (_name, lease, want) => expect(canAcquire(lease, 'me', now)).toBe(want));
});

describe('microTime', () => {
  it('formats six fractional digits', () => {
    expect(microTime(new Date('2026-11-24T10:00:00.123Z'))).toBe('2026-11-24T10:00:00.123000Z');
  });
});
