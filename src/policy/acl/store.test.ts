import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyTestError, PolicyValidationError } from './errors.js';
import { D } from './fixtures.test-util.js';
import { PolicyParseError } from './hujson.js';
import { createDebouncer, PolicyStore, type Timers } from './store.js';
import type { Policy } from './types.js';

const allowCi = '{ "tagOwners": { "tag:ci": [], "tag:operator": [] }, "acls": [{ "action": "accept", "src": ["tag:ci"], "dst": ["tag:operator:443"] }] }';
const allowCiAnd8080 = allowCi.replace('tag:operator:443', 'tag:operator:443,8080');
const ciToOperator = (port: number) => ({ src: D.ci, dst: D.operator, port });

describe('PolicyStore', () => {
  it('denies everything before the first good policy', () => {
    const store = new PolicyStore();
    expect(store.current()).toBeUndefined();
    expect(store.decide(ciToOperator(443))).toEqual({ allowed: false, reason: 'no ACL policy is loaded yet, so every write is denied' });
  });

  it('puts a good policy in force', () => {
    const store = new PolicyStore();
    expect(store.update(allowCi).ok).toBe(true);
    expect(store.decide(ciToOperator(443)).allowed).toBe(true);
    expect(store.update(allowCiAnd8080).ok).toBe(true);
    expect(store.decide(ciToOperator(8080)).allowed).toBe(true);
  });

  it.each([
    ['malformed HuJSON', '{ "acls": [ }', PolicyParseError],
    ['an invalid policy', '{ "acls": [{ "action": "deny", "src": ["*"], "dst": ["*:*"] }] }', PolicyValidationError],
    ['failing tests', `${allowCi.slice(0, -1)}, "tests": [{ "src": "tag:ci", "deny": ["tag:operator:443"] }] }`, PolicyTestError],
  ])('keeps the previous policy after %s', (_name, text, errorType) => {
    const store = new PolicyStore();
    store.update(allowCi);
    const before = store.current();
    const result = store.update(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toBeInstanceOf(errorType);
    expect(store.current()).toBe(before);
    expect(store.decide(ciToOperator(443)).allowed).toBe(true);
  });
});

describe('createDebouncer', () => {
  /** Timers that run only when the test advances the clock. */
  function fakeTimers(): Timers & { advance(ms: number): void } {
    let now = 0;
    let next = 0;
    const pending = new Map<number, { at: number; fn: () => void }>();
    return {
      setTimeout: (fn, ms) => {
        pending.set(++next, { at: now + ms, fn });
        return next;
      },
      clearTimeout: (h) => void pending.delete(h as number),
      advance(ms) {
        now += ms;
        for (const [h, t] of [...pending]) {
          if (t.at > now) continue;
          pending.delete(h);
          t.fn();
        }
      },
    };
  }

  it('runs once, a quiet period after the last trigger', () => {
    const timers = fakeTimers();
    let runs = 0;
    const d = createDebouncer(() => runs++, 100, timers);
    d.trigger();
    timers.advance(60);
    d.trigger();
    timers.advance(60);
    expect(runs).toBe(0);
    timers.advance(40);
    expect(runs).toBe(1);
    d.trigger();
    timers.advance(100);
    expect(runs).toBe(2);
  });

  it('cancel drops a pending run', () => {
    const timers = fakeTimers();
    let runs = 0;
    const d = createDebouncer(() => runs++, 100, timers);
    d.trigger();
    d.cancel();
    timers.advance(200);
    expect(runs).toBe(0);
  });
});

describe('PolicyStore.watchFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-acl-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Resolves with the next value `register` delivers. */
  function next<T>(register: (cb: (v: T) => void) => void): Promise<T> {
    return new Promise((resolve) => register(resolve));
  }

  it('loads the file, reloads on change, and keeps the old policy when the new one is bad', async () => {
    const path = join(dir, 'policy.hujson');
    await writeFile(path, allowCi);
    const store = new PolicyStore();
    let onChange: (p: Policy) => void = () => {};
    let onError: (e: Error) => void = () => {};
    const watch = store.watchFile(path, { debounceMs: 20, onChange: (p) => onChange(p), onError: (e) => onError(e) });
    try {
      await watch.ready;
      expect(store.decide(ciToOperator(443)).allowed).toBe(true);

      const changed = next<Policy>((cb) => (onChange = cb));
      await writeFile(path, allowCiAnd8080);
      expect(await changed).toBe(store.current());
      expect(store.decide(ciToOperator(8080)).allowed).toBe(true);

      const failed = next<Error>((cb) => (onError = cb));
      await writeFile(path, '{ "acls": [ // oops');
      expect(await failed).toBeInstanceOf(PolicyParseError);
      expect(store.decide(ciToOperator(8080)).allowed).toBe(true);
    } finally {
      watch.close();
    }
  });

  it('reports a missing file without loading anything', async () => {
    const store = new PolicyStore();
    const errors: Error[] = [];
    const watch = store.watchFile(join(dir, 'absent.hujson'), { onError: (e) => errors.push(e) });
    await watch.ready;
    watch.close();
    expect(errors[0]?.message).toMatch(/ENOENT/);
    expect(store.current()).toBeUndefined();
  });
});
