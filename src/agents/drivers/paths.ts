import { isAbsolute, relative, resolve } from 'node:path';

/** A path inside the clone, or an error naming it: no absolute paths, no "..", nothing in .git. */
export function repoPath(repo: string, path: string): string {
  if (!path || isAbsolute(path)) throw new Error(`path "${path}" must be relative to the repository root`);
  const full = resolve(repo, path);
  const rel = relative(repo, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`path "${path}" is outside the repository`);
  if (rel === '.git' || rel.startsWith('.git/')) throw new Error(`path "${path}" is inside .git`);
  return full;
}
