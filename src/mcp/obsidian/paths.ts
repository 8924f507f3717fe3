import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ToolError } from '../errors.js';

/** A vault path that points outside the vault or into Obsidian's own state. */
export class VaultPathError extends ToolError {
  override readonly name = 'VaultPathError';
}

/**
 * Normalises a vault-relative path (`Projects/Alpha.md`, `Projects\\Alpha`): forward slashes, no
 * `.` segments. Refuses absolute paths, `..`, `.obsidian/`, NUL bytes and empty segments.
 *
 * @param argument the tool argument the path came from, for the error message
 * @throws VaultPathError naming the argument and the path
 */
export function normaliseVaultPath(input: string, argument = 'path'): string {
  const raw = input.replace(/\\/g, '/');
  if (raw.includes('\0')) throw new VaultPathError(argument, 'contains a NUL byte');
  if (isAbsolute(raw) || /^[a-zA-Z]:\//.test(raw) || raw.startsWith('/')) {
    throw new VaultPathError(argument, `${JSON.stringify(input)} is absolute; give a path relative to the vault root`);
  }
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new VaultPathError(argument, `${JSON.stringify(input)} climbs out of the vault with ".."`);
  if (segments[0] === '.obsidian') throw new VaultPathError(argument, `${JSON.stringify(input)} is inside .obsidian/, Obsidian's own configuration, which this server never reads or writes`);
  return segments.join('/');
}

/** `Alpha` → `Alpha.md`; a path with `.md` or `.base` stays. */
export function withNoteExtension(path: string): string {
  return /\.(md|base)$/i.test(path) ? path : `${path}.md`;
}

/** Whether `child` (a real path) is `root` or inside it. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Resolves a normalised vault path to an absolute path and checks, through `realpath`, that the file
 * (or, for a new file, its nearest existing folder) is inside the vault: a symlink that points out
 * is refused.
 *
 * @throws VaultPathError when the real location is outside the vault
 */
export async function resolveInVault(realRoot: string, vaultPath: string, argument = 'path'): Promise<string> {
  const abs = join(realRoot, vaultPath);
  let probe = abs;
  // Bounded by the path's depth: each step goes one folder up, ending at the root.
  for (let i = 0; i <= vaultPath.split('/').length; i++) {
    try {
      const real = await realpath(probe);
      if (!isInside(realRoot, real)) {
        throw new VaultPathError(argument, `${JSON.stringify(vaultPath)} resolves through a symlink to ${real}, outside the vault`);
      }
      if (real !== probe && isInside(join(realRoot, '.obsidian'), real)) {
        throw new VaultPathError(argument, `${JSON.stringify(vaultPath)} resolves into .obsidian/`);
      }
      return abs;
    } catch (err) {
      if (err instanceof VaultPathError) throw err;
      probe = join(probe, '..');
    }
  }
  return abs;
}
