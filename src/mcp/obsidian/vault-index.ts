import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import MiniSearch from 'minisearch';
import { LinkResolver, recordOf, type VaultFile } from './records.js';

/** One full-text search hit. */
export interface SearchHit {
  readonly path: string;
  readonly score: number;
  /** about 160 characters of the note around the first matched term */
  readonly snippet: string;
}

/** A note that links to another, with the line of the link. */
export interface Backlink {
  readonly source: string;
  readonly line: number;
}

interface SearchDoc {
  id: string;
  name: string;
  aliases: string;
  tags: string;
  body: string;
}

const INDEXED = /\.(md|base)$/i;
const READ_CONCURRENCY = 32;

/** Whether a vault path is one the index covers: Markdown and `.base`, outside dot-folders. */
export function isIndexedPath(path: string): boolean {
  return INDEXED.test(path) && !path.split('/').some((s) => s.startsWith('.'));
}

function searchDoc(f: VaultFile): SearchDoc {
  return { id: f.path, name: f.name, aliases: f.aliases.join(' '), tags: f.tags.join(' '), body: f.ext === 'md' ? f.body : '' };
}

function snippetOf(body: string, terms: readonly string[]): string {
  const lower = body.toLowerCase();
  const at = terms.map((t) => lower.indexOf(t.toLowerCase())).filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? 0;
  const start = Math.max(0, at - 60);
  return `${start > 0 ? '…' : ''}${body.slice(start, start + 160).replace(/\s+/g, ' ').trim()}${start + 160 < body.length ? '…' : ''}`;
}

/**
 * The headless index of an Obsidian vault: every note's metadata (frontmatter, tags, links,
 * headings, query blocks) and a MiniSearch full-text index, kept current by a recursive file
 * watcher. `.obsidian/` and other dot-folders are never read; symlinks are not followed.
 */
export class VaultIndex {
  private readonly files = new Map<string, VaultFile>();
  private readonly mini = new MiniSearch<SearchDoc>({
    fields: ['name', 'aliases', 'tags', 'body'],
    storeFields: [],
    searchOptions: { boost: { name: 3, aliases: 2, tags: 2 }, prefix: (_t, i, all) => i === all.length - 1, combineWith: 'AND' },
  });
  private resolver: LinkResolver | undefined;
  private backlinkMap: Map<string, Backlink[]> | undefined;
  private sorted: VaultFile[] | undefined;
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly listeners = new Set<(path: string) => void>();

  private constructor(readonly root: string) {}

  /** Indexes every note of the vault at `root` and, with `watch`, follows changes. */
  static async open(root: string, options: { watch?: boolean } = {}): Promise<VaultIndex> {
    const index = new VaultIndex(await realpath(root));
    const paths = (await readdir(index.root, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name).slice(index.root.length + 1).split('\\').join('/'))
      .filter(isIndexedPath);
    for (let i = 0; i < paths.length; i += READ_CONCURRENCY) {
      const batch = await Promise.all(paths.slice(i, i + READ_CONCURRENCY).map((p) => index.read(p)));
      for (const f of batch) if (f) index.files.set(f.path, f);
    }
    index.mini.addAll([...index.files.values()].map(searchDoc));
    if (options.watch) index.startWatching();
    return index;
  }

  private async read(path: string): Promise<VaultFile | undefined> {
    const abs = join(this.root, path);
    try {
      const [text, st] = await Promise.all([readFile(abs, 'utf8'), stat(abs)]);
      return recordOf(path, text, st);
    } catch {
      return undefined; // removed between listing and reading
    }
  }

  private startWatching(): void {
    this.watcher = watch(this.root, { recursive: true, persistent: false }, (_event, name) => {
      const path = name?.toString().split('\\').join('/');
      if (!path || !isIndexedPath(path)) return;
      clearTimeout(this.pending.get(path));
      this.pending.set(path, setTimeout(() => void this.refresh(path), 30));
    });
    this.watcher.on('error', () => this.watcher?.close());
  }

  /** Re-reads one file (after a write or a watcher event) and updates the index; resolves when done. */
  async refresh(path: string): Promise<void> {
    this.pending.delete(path);
    const next = await this.read(path);
    if (this.files.has(path)) this.mini.discard(path);
    if (next) {
      this.files.set(path, next);
      this.mini.add(searchDoc(next));
    } else this.files.delete(path);
    this.resolver = undefined;
    this.backlinkMap = undefined;
    this.sorted = undefined;
    for (const l of this.listeners) l(path);
  }

  /** Calls `fn` after each file the index re-read (tests wait on it instead of sleeping). */
  onChange(fn: (path: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Stops the file watcher. */
  close(): void {
    this.watcher?.close();
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  get size(): number {
    return this.files.size;
  }

  /** The indexed file at a vault path. */
  get(path: string): VaultFile | undefined {
    return this.files.get(path);
  }

  /** Every indexed file, in path order. */
  all(): readonly VaultFile[] {
    this.sorted ??= [...this.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return this.sorted;
  }

  /** Full-text search (BM25 with name, alias and tag boosts; prefix match on the last word). */
  search(query: string, options: { limit: number; folder?: string }): { total: number; hits: SearchHit[] } {
    const prefix = options.folder ? `${options.folder.replace(/\/$/, '')}/` : '';
    const results = this.mini.search(query, prefix ? { filter: (r) => (r.id as string).startsWith(prefix) } : {});
    const hits = results.slice(0, options.limit).map((r) => {
      const path = r.id as string;
      return { path, score: Math.round(r.score * 1000) / 1000, snippet: snippetOf(this.files.get(path)?.body ?? '', r.terms) };
    });
    return { total: results.length, hits };
  }

  /** Where a `[[link]]` in `from` points, or undefined when no file matches. */
  resolveLink(target: string, from: string): string | undefined {
    this.resolver ??= new LinkResolver(this.files.values());
    return this.resolver.resolve(target, from);
  }

  /** The notes linking to `path`, each with the line of the link. */
  backlinks(path: string): Backlink[] {
    if (!this.backlinkMap) {
      const map = new Map<string, Backlink[]>();
      for (const f of this.files.values()) {
        for (const l of f.links) {
          const to = this.resolveLink(l.target, f.path);
          if (!to || to === f.path) continue;
          const list = map.get(to) ?? [];
          if (list.at(-1)?.source === f.path && list.at(-1)?.line === l.line) continue;
          list.push({ source: f.path, line: l.line });
          map.set(to, list);
        }
      }
      this.backlinkMap = map;
    }
    return this.backlinkMap.get(path) ?? [];
  }
}
