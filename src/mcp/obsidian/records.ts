import type { Stats } from 'node:fs';
import { parseNote, type Heading, type QueryBlock, type WikiLink } from './markdown.js';

/** What the vault index holds for one file (a note, or a `.base` query set). */
export interface VaultFile {
  /** vault-relative, forward slashes: `Projects/Alpha.md` */
  readonly path: string;
  /** file name without extension: `Alpha` */
  readonly name: string;
  /** parent folder, `''` at the root */
  readonly folder: string;
  readonly ext: 'md' | 'base';
  readonly size: number;
  readonly mtime: number;
  readonly ctime: number;
  readonly frontmatter: Record<string, unknown>;
  readonly frontmatterError: string | undefined;
  readonly body: string;
  readonly tags: readonly string[];
  readonly aliases: readonly string[];
  readonly links: readonly WikiLink[];
  readonly headings: readonly Heading[];
  readonly queries: readonly QueryBlock[];
}

/** Builds the index record of a file from its text and stat. */
export function recordOf(path: string, text: string, stat: Pick<Stats, 'size' | 'mtimeMs' | 'ctimeMs' | 'birthtimeMs'>): VaultFile {
  const slash = path.lastIndexOf('/');
  const file = path.slice(slash + 1);
  const ext = file.toLowerCase().endsWith('.base') ? 'base' : 'md';
  const base = { path, name: file.replace(/\.(md|base)$/i, ''), folder: slash === -1 ? '' : path.slice(0, slash), ext, size: stat.size, mtime: stat.mtimeMs, ctime: stat.birthtimeMs || stat.ctimeMs } as const;
  if (ext === 'base') {
    return { ...base, frontmatter: {}, frontmatterError: undefined, body: text, tags: [], aliases: [], links: [], headings: [], queries: [] };
  }
  return { ...base, ...parseNote(text) };
}

/**
 * Resolves `[[links]]` to vault paths as Obsidian does: an exact vault path, a path relative to the
 * linking note's folder, a unique or nearest file name, then an alias.
 */
export class LinkResolver {
  private readonly byPath = new Map<string, string>();
  private readonly byName = new Map<string, string[]>();
  private readonly byAlias = new Map<string, string[]>();

  constructor(files: Iterable<VaultFile>) {
    for (const f of files) {
      this.byPath.set(f.path.toLowerCase().replace(/\.md$/, ''), f.path);
      this.byPath.set(f.path.toLowerCase(), f.path);
      push(this.byName, f.name.toLowerCase(), f.path);
      for (const a of f.aliases) push(this.byAlias, a.toLowerCase(), f.path);
    }
  }

  /** The vault path a link target points to, or undefined for an unresolved link. */
  resolve(target: string, from: string): string | undefined {
    const t = target.toLowerCase().replace(/\.md$/, '');
    if (t === '') return from;
    const exact = this.byPath.get(t);
    if (exact) return exact;
    const folder = from.includes('/') ? from.slice(0, from.lastIndexOf('/')).toLowerCase() : '';
    const rel = this.byPath.get(folder ? `${folder}/${t}` : t);
    if (rel) return rel;
    const name = t.slice(t.lastIndexOf('/') + 1);
    const candidates = (this.byName.get(name) ?? []).filter((p) => !t.includes('/') || p.toLowerCase().replace(/\.md$/, '').endsWith(t));
    if (candidates.length > 0) return nearest(candidates, folder);
    const aliased = this.byAlias.get(t);
    return aliased ? nearest(aliased, folder) : undefined;
  }
}

function push(m: Map<string, string[]>, key: string, value: string): void {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
}

/** The candidate in the linking note's folder, else the one with the shortest path. */
function nearest(candidates: readonly string[], folder: string): string | undefined {
  const same = candidates.find((p) => p.toLowerCase().startsWith(folder ? `${folder}/` : '') && !p.slice(folder ? folder.length + 1 : 0).includes('/'));
  return same ?? [...candidates].sort((a, b) => a.length - b.length || a.localeCompare(b))[0];
}
