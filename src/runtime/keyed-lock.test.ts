import { KeyedLock } from './keyed-lock.js';

describe('KeyedLock', () => {
  it('runs the calls of one key one at a time in order, other keys at once, and goes on after a failure', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = lock.run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
      throw new Error('a1 failed');
    });
    const a2 = lock.run('a', async () => {
      log.push('a2');
      return 2;
    });
    const b = lock.run('b', async () => {
      log.push('b');
      return 'b';
    });
    await expect(b).resolves.toBe('b');
    expect(log).toEqual(['a1 start', 'b']);
    expect(lock.size).toBe(1);
    release();
    await expect(a1).rejects.toThrow('a1 failed');
    await expect(a2).resolves.toBe(2);
    expect(log).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
    expect(lock.size).toBe(0);
  });
});
