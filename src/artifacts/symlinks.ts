import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';

/** A symlink in the workspace that a declared pattern reaches. */
export interface MatchedSymlink {
  /** Workspace-relative path of the link, `/`-separated. */
  path: string;
  /** Whether it points at a directory. */
  directory: boolean;
}

/**
 * The symlinks that the patterns reach, found without following any link (the glob itself never
 * follows links, so it cannot wander out of the workspace, and it does not report them either). A
 * file link is reached when a pattern matches its path; a directory link when a pattern matches it,
 * lies under it (`link/**`, `link/x`), or is a `**` pattern whose static base contains it. The walk
 * starts at each pattern's static base, so a pattern for `reports/*.xml` does not walk the whole tree.
 */
export async function findSymlinks(root: string, patterns: readonly string[]): Promise<MatchedSymlink[]> {
  const found = new Map<string, MatchedSymlink>();
  for (const pattern of patterns) {
    const { base } = picomatch.scan(pattern);
    const isMatch = picomatch(pattern, { dot: true });
    const globstar = pattern.includes('**');
    const reached = (link: MatchedSymlink): boolean =>
      isMatch(link.path) || (link.directory && (base === link.path || base.startsWith(`${link.path}/`) || (globstar && isMatch(`${link.path}/x`))));
    for (const link of await symlinksUnder(root, base)) if (reached(link)) found.set(link.path, link);
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Every symlink at or under `base` (and at each ancestor of `base`), not following links. */
async function symlinksUnder(root: string, base: string): Promise<MatchedSymlink[]> {
  const out: MatchedSymlink[] = [];
  // An ancestor of the base may itself be a link ("linkdir/**" has base "linkdir").
  const parts = base === '' ? [] : base.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join('/');
    const st = await lstat(join(root, rel)).catch(() => undefined);
    if (!st) return out;
    if (st.isSymbolicLink()) return [{ path: rel, directory: await isDirectory(join(root, rel)) }];
  }
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isSymbolicLink()) out.push({ path, directory: await isDirectory(join(root, path)) });
      else if (e.isDirectory()) await visit(path);
    }
  };
  await visit(base);
  return out;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
