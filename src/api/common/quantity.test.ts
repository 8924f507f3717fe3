import { addQuantities, compareQuantities, formatBytes, formatCpu, parseQuantityNumber } from './quantity.js';
import { hasTag, parseTag } from './tags.js';

describe('quantities', () => {
  it.each([
    ['500m', 0.5],
    ['1.5', 1.5],
    ['2', 2],
    [4, 4],
    ['1Ki', 1024],
    ['1Gi', 1073741824],
    ['16Gi', 17179869184],
    ['1G', 1e9],
    ['1e3', 1000],
    ['.5', 0.5],
    ['100Mi', 104857600],
  ])('parses %j as %d', (q, n) => expect(parseQuantityNumber(q)).toBe(n));

  it.each(['', 'abc', '1 Gi', '1GB', '1.2.3', 'Gi', '--1', '1iB'])('rejects %j naming the value', (q) => {
    expect(() => parseQuantityNumber(q)).toThrow(`"${q}" is not a Kubernetes quantity`);
  });

  it('adds: "500m" + "1.5" = "2", bytes keep binary suffixes', () => {
    expect(addQuantities('cpu', '500m', '1.5')).toBe('2');
    expect(addQuantities('cpu', '250m', '1')).toBe('1250m');
    expect(addQuantities('bytes', '1Gi', '512Mi')).toBe('1536Mi');
    expect(addQuantities('bytes', '1Gi', '1Gi')).toBe('2Gi');
  });

  it('formats and compares', () => {
    expect(formatCpu(0.1)).toBe('100m');
    expect(formatBytes(1000)).toBe('1000');
    expect(compareQuantities('1Gi', '1000Mi')).toBeGreaterThan(0);
    expect(compareQuantities('500m', '0.5')).toBe(0);
  });
});

describe('tags', () => {
  it.each([
    ['gpu:a100', { key: 'gpu', value: 'a100' }],
    ['ssd', { key: 'ssd' }],
    ['zone:eu-1', { key: 'zone', value: 'eu-1' }],
    ['gpu:*', { key: 'gpu', value: '*' }],
  ])('parses %s', (t, want) => expect(parseTag(t)).toEqual(want));

  it.each(['GPU:a100', 'gpu a100', 'gpu:', ':a100', '-gpu', 'gpu:a:b', ''])('rejects %j with the rule', (t) => {
    expect(() => parseTag(t)).toThrow(/is not a valid tag: use key or key:value/);
  });

  it('matches required tags: bare key and wildcard match any value', () => {
    expect(hasTag(['gpu:a100', 'ssd'], 'gpu')).toBe(true);
    expect(hasTag(['gpu:a100'], 'gpu:*')).toBe(true);
    expect(hasTag(['gpu:a100'], 'gpu:a100')).toBe(true);
    expect(hasTag(['gpu:t4'], 'gpu:a100')).toBe(false);
    expect(hasTag(['ssd'], 'gpu')).toBe(false);
  });
});
