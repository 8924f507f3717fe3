import { isAbsolute, relative, sep } from 'node:path';
import { McpConfigError, ToolError } from '../errors.js';

/** A branch or path argument outside what this server instance may touch. */
export class ScopeError extends ToolError {
  override readonly name = 'ScopeError';
}

/** Branch names a prefix may never be or cover: the usual default branches and HEAD. */
const PROTECTED = ['main', 'master', 'trunk', 'develop', 'HEAD'];

/**
 * Whether `name` is a well-formed branch name by git's rules (`git check-ref-format --branch`),
 * checked without running git: no `..`, `@{`, control characters, spaces, `~^:?*[\`, no leading
 * `-` or `/`, no `.lock` or `.` ending, no empty or dot-led component.
 */
export function isValidBranchName(name: string): boolean {
  if (name.length === 0 || name.length > 200 || name === '@') return false;
  if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|^[-/]|\/$|\.$|\.lock$/.test(name)) return false;
  return name.split('/').every((c) => c.length > 0 && !c.startsWith('.') && !c.endsWith('.lock'));
}

/**
 * The branches one server instance may create, commit to and push: exactly the prefix
 * (`weft/task-a`) or anything below it (`weft/task-a/fix-1`), never `weft/task-ab` (another task's
 * prefix) nor `main`. Reading other branches (`from` of create_branch, `base` of open_change) is fine.
 */
export class BranchScope {
  readonly prefix: string;

  /** @throws McpConfigError for an empty, malformed or protected prefix */
  constructor(prefix: string | undefined) {
    const p = (prefix ?? '').trim().replace(/\/+$/, '');
    if (!p) throw new McpConfigError('--branch-prefix is required: the branches this server may write, e.g. --branch-prefix weft/task-a');
    if (!isValidBranchName(p)) throw new McpConfigError(`--branch-prefix ${JSON.stringify(prefix)} is not a valid git branch name (no spaces, "..", "~^:?*[\\", leading "-")`);
    if (PROTECTED.includes(p)) throw new McpConfigError(`--branch-prefix ${JSON.stringify(p)} would let the agent write a default branch; use a task prefix such as weft/task-a`);
    this.prefix = p;
  }

  /** What the error messages and docs call the allowed branches. */
  get allowed(): string {
    return `"${this.prefix}" or "${this.prefix}/…"`;
  }

  /** Whether `branch` is the prefix or below it. */
  covers(branch: string): boolean {
    return branch === this.prefix || branch.startsWith(`${this.prefix}/`);
  }

  /**
   * Checks a branch the agent wants to write; `defaultBranch`, when known, is refused even if a
   * careless prefix covered it.
   *
   * @throws ScopeError naming `argument`, the branch and the allowed prefix
   */
  check(branch: string, argument = 'branch', defaultBranch?: string): string {
    const b = branch.replace(/^refs\/heads\//, '');
    if (!isValidBranchName(b)) throw new ScopeError(argument, `${JSON.stringify(branch)} is not a valid git branch name; use e.g. "${this.prefix}/fix-1"`);
    if (b === defaultBranch || PROTECTED.includes(b)) {
      throw new ScopeError(argument, `"${b}" is a default branch; this server writes only ${this.allowed}: push your work to a branch such as "${this.prefix}/fix-1" and open a change`);
    }
    if (!this.covers(b)) throw new ScopeError(argument, `"${b}" is outside this server's branch prefix; allowed: ${this.allowed}`);
    return b;
  }
}

/**
 * Normalises a path the agent gives for `commit`: relative to the workspace, forward slashes, no
 * `.` segments; refuses absolute paths, `..`, `.git`, NUL bytes.
 *
 * @throws ScopeError naming `argument` (`paths[2]`) and the path
 */
export function normaliseWorkspacePath(input: string, argument: string): string {
  const raw = input.replace(/\\/g, '/');
  if (raw.includes('\0')) throw new ScopeError(argument, 'contains a NUL byte');
  if (isAbsolute(raw) || /^[a-zA-Z]:\//.test(raw)) throw new ScopeError(argument, `${JSON.stringify(input)} is absolute; give a path relative to the workspace root`);
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) throw new ScopeError(argument, `${JSON.stringify(input)} names the workspace root; list the files to commit`);
  if (segments.includes('..')) throw new ScopeError(argument, `${JSON.stringify(input)} climbs out of the workspace with ".."`);
  if (segments.some((s) => s.toLowerCase() === '.git')) throw new ScopeError(argument, `${JSON.stringify(input)} is inside .git/, which commits never include`);
  return segments.join('/');
}

/** Whether `child` (a real path) is `root` or inside it. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
