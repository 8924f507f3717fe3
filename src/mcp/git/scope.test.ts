import { McpConfigError } from '../errors.js';
import { BranchScope, ScopeError, isValidBranchName, normaliseWorkspacePath } from './scope.js';

describe('BranchScope', () => {
  const scope = new BranchScope('weft/task-a/');

  it.each([
    ['weft/task-a', true],
    ['weft/task-a/fix-1', true],
    ['refs/heads/weft/task-a/fix-1', true],
    ['weft/task-ab', false],
    ['weft/task-b/fix', false],
    ['weft', false],
    ['main', false],
  ])('%s is writable: %s', (branch, ok) => {
    if (ok) expect(scope.check(branch)).toBe(branch.replace(/^refs\/heads\//, ''));
    else expect(() => scope.check(branch)).toThrow(ScopeError);
  });

  it('names the argument and the allowed prefix', () => {
    expect(() => scope.check('weft/task-b', 'branch')).toThrow('branch: "weft/task-b" is outside this server\'s branch prefix; allowed: "weft/task-a" or "weft/task-a/…"');
  });

  it('refuses the default branch even when the prefix covers it', () => {
    const wide = new BranchScope('release');
    expect(() => wide.check('release', 'branch', 'release')).toThrow('"release" is a default branch');
  });

  it.each([undefined, '', 'main', 'HEAD', 'a b', '-x', 'a..b'])('refuses the prefix %p', (prefix) => {
    expect(() => new BranchScope(prefix)).toThrow(McpConfigError);
  });
});

describe('isValidBranchName', () => {
  it.each(['a', 'weft/task-a/fix-1', 'feature/ü'])('accepts %s', (b) => expect(isValidBranchName(b)).toBe(true));
  it.each(['', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', '-a', '/a', 'a/', 'a//b', 'a.', 'a.lock', 'a/.b', '@', 'a@{1}', 'a\u0001'])('refuses %p', (b) => expect(isValidBranchName(b)).toBe(false));
});

describe('normaliseWorkspacePath', () => {
  it.each([
    ['src/a.ts', 'src/a.ts'],
    ['./src//a.ts', 'src/a.ts'],
    ['src\\a.ts', 'src/a.ts'],
  ])('%s → %s', (input, out) => expect(normaliseWorkspacePath(input, 'paths[0]')).toBe(out));
  it.each(['../a', 'a/../../b', '/etc/passwd', 'C:/x', '.git/config', 'sub/.Git/x', '.', '', 'a\0b'])('refuses %p naming the argument', (p) => {
    expect(() => normaliseWorkspacePath(p, 'paths[3]')).toThrow(/^paths\[3\]: /);
  });
});
