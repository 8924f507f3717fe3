import { gitToken } from './auth.js';
import { taskBranch } from '../../run/spec.js';
import { changeOf, decidePush } from './scope.js';

const Z = '0'.repeat(40);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const cmd = (ref: string, oldOid: string, newOid: string) => ({ ref, oldOid, newOid });

describe('branch scope of a push', () => {
  it.each([
    ['create weft/<task>', [cmd('refs/heads/weft/fix', Z, A)], true, undefined],
    ['update weft/<task>', [cmd('refs/heads/weft/fix', A, B)], true, undefined],
    ['push main', [cmd('refs/heads/main', A, B)], false, 'may push only refs/heads/weft/fix (git push origin HEAD:weft/fix)'],
    ['push another task\'s branch', [cmd('refs/heads/weft/other', Z, A)], false, 'may push only refs/heads/weft/fix'],
    ['push a prefix look-alike', [cmd('refs/heads/weft/fix-2', Z, A)], false, 'may push only refs/heads/weft/fix'],
    ['push a tag', [cmd('refs/tags/v1', Z, A)], false, 'may push only refs/heads/weft/fix'],
    ['delete weft/<task>', [cmd('refs/heads/weft/fix', A, Z)], false, 'deleting refs/heads/weft/fix is not allowed'],
    ['delete main', [cmd('refs/heads/main', A, Z)], false, 'may push only refs/heads/weft/fix'],
  ])('%s → allowed %s', (_name, commands, allowed, message) => {
    const d = decidePush('fix', commands);
    expect(d.allowed).toBe(allowed);
    if (!d.allowed) expect(d.message).toContain(message);
  });

  it('refuses a push with one allowed and one refused ref as a whole, saying why for each', () => {
    const d = decidePush('fix', [cmd('refs/heads/weft/fix', A, B), cmd('refs/heads/main', A, B)]);
    expect(d).toMatchObject({
      allowed: false,
      refs: [
        { ref: 'refs/heads/weft/fix', error: 'weft: not pushed, another ref of this push was refused' },
        { ref: 'refs/heads/main', error: expect.stringContaining('may push only refs/heads/weft/fix') },
      ],
    });
  });

  it('names the kind of change and the branch', () => {
    expect([changeOf(cmd('r', Z, A)), changeOf(cmd('r', A, B)), changeOf(cmd('r', A, Z))]).toEqual(['create', 'update', 'delete']);
    expect(taskBranch('fix-login')).toBe('weft/fix-login');
  });
});

describe('gitToken', () => {
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  it.each([
    ['Bearer', { authorization: 'Bearer tok-1' }, 'tok-1'],
    ['Basic with any user', { authorization: basic('x:tok-2') }, 'tok-2'],
    ['Basic with a colon in the password', { authorization: basic('agent:a:b') }, 'a:b'],
    ['Basic without a password', { authorization: basic('tok-3') }, undefined],
    ['nothing', {}, undefined],
    ['another scheme', { authorization: 'Digest abc' }, undefined],
  ])('%s', (_name, headers, want) => {
    expect(gitToken(headers)).toBe(want);
  });
});
