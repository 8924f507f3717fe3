import { parseLabelSelector } from './selector.js';

describe('parseLabelSelector', () => {
  it.each([
    ['weft.dev/canary=true', { 'weft.dev/canary': 'true' }, true],
    ['weft.dev/canary==true', { 'weft.dev/canary': 'true' }, true],
    ['weft.dev/canary=true', {}, false],
    ['weft.dev/canary!=true', {}, true],
    ['weft.dev/canary!=true', { 'weft.dev/canary': 'false' }, true],
    ['weft.dev/canary!=true', { 'weft.dev/canary': 'true' }, false],
    ['tier in (a, b),!legacy', { tier: 'b' }, true],
    ['tier in (a, b),!legacy', { tier: 'b', legacy: '' }, false],
    ['tier notin (a)', { tier: 'a' }, false],
    ['team', { team: 'x' }, true],
    ['team', {}, false],
  ])('%s matches %j: %s', (text, labels, want) => {
    expect(parseLabelSelector(text).matches(labels)).toBe(want);
  });

  it('converts to a metav1.LabelSelector the apiserver evaluates the same way', () => {
    expect(parseLabelSelector('weft.dev/canary!=true,team,!legacy,tier in (a,b)').toK8s()).toEqual({
      matchExpressions: [
        { key: 'weft.dev/canary', operator: 'NotIn', values: ['true'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
      ],
    });
  });

  it('gives a stable id per selector, different for a flipped one', () => {
    expect(parseLabelSelector('weft.dev/canary=true').id()).toBe(parseLabelSelector(' weft.dev/canary == true ').id());
    expect(parseLabelSelector('weft.dev/canary=true').id()).not.toBe(parseLabelSelector('weft.dev/canary!=true').id());
    expect(parseLabelSelector('a=b').id()).toMatch(/^[0-9a-f]{8}$/);
  });

  it.each([
    ['', 'is empty'],
    ['Bad Key=1', 'cannot parse'],
    ['-x=1', 'not a valid label key'],
    ['a=b c', 'cannot parse'],
    ['a in ()', 'lists no values'],
    ['a=-bad-', 'not a valid label value'],
  ])('rejects %j (%s)', (text, message) => {
    expect(() => parseLabelSelector(text)).toThrow(message);
  });
});
