import { formatTag, hasTag, isValidTag, parseTag, parseTags, TagError, tagMatches, tagValues } from './tags.js';

describe('parseTag', () => {
  it.each([
    ['gpu:a100', { key: 'gpu', value: 'a100' }],
    ['ssd', { key: 'ssd' }],
    ['zone:eu-1', { key: 'zone', value: 'eu-1' }],
    ['gpu:*', { key: 'gpu', value: '*' }],
    ['gpu:NVIDIA_H100.80GB', { key: 'gpu', value: 'NVIDIA_H100.80GB' }],
    ['weft.dev:x', { key: 'weft.dev', value: 'x' }],
    ['a', { key: 'a' }],
    ['0', { key: '0' }],
  ])('parses %j', (t, want) => {
    expect(parseTag(t)).toEqual(want);
    expect(isValidTag(t)).toBe(true);
    expect(formatTag(parseTag(t))).toBe(t);
  });

  it.each([
    ['upper-case key', 'GPU:a100'],
    ['space', 'gpu a100'],
    ['empty value', 'gpu:'],
    ['empty key', ':a100'],
    ['key starts with -', '-gpu'],
    ['key ends with .', 'gpu.'],
    ['two colons', 'gpu:a:b'],
    ['empty', ''],
    ['value with /', 'zone:eu/1'],
    ['too long', `k:${'v'.repeat(127)}`],
  ])('rejects a tag with %s (%j), naming it and the rule', (_why, t) => {
    expect(() => parseTag(t)).toThrow(TagError);
    expect(() => parseTag(t)).toThrow(`${JSON.stringify(t)} is not a valid tag: use key or key:value`);
    expect(isValidTag(t)).toBe(false);
  });

  it('rejects non-strings', () => expect(isValidTag(42)).toBe(false));
  it('parses lists, failing on the first bad tag', () => {
    expect(parseTags(['ssd', 'zone:a'])).toEqual([{ key: 'ssd' }, { key: 'zone', value: 'a' }]);
    expect(() => parseTags(['ssd', 'Bad'])).toThrow('"Bad" is not a valid tag');
  });
  it('refuses to format an invalid tag', () => expect(() => formatTag({ key: 'GPU' })).toThrow(TagError));
});

describe('tag matching', () => {
  it.each([
    ['gpu:a100', 'gpu', true],
    ['gpu', 'gpu', true],
    ['gpu:a100', 'gpu:*', true],
    ['gpu', 'gpu:*', true],
    ['gpu:a100', 'gpu:a100', true],
    ['gpu:t4', 'gpu:a100', false],
    ['gpu', 'gpu:a100', false],
    ['ssd', 'gpu', false],
    ['gpus:a100', 'gpu', false],
  ])('%j satisfies %j: %s', (have, want, ok) => expect(tagMatches(have, want)).toBe(ok));

  it('checks a tag set', () => {
    expect(hasTag(['gpu:a100', 'ssd'], 'gpu')).toBe(true);
    expect(hasTag(['ssd'], 'gpu')).toBe(false);
    expect(hasTag([], 'gpu')).toBe(false);
  });

  it('lists the values of a key', () => expect(tagValues(['zone:eu-1', 'ssd', 'zone:eu-2', 'zone'], 'zone')).toEqual(['eu-1', 'eu-2']));
});
