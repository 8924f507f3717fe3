import { closeSync, fstatSync, openSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FullTextIndex, type FullTextDoc } from './fulltext.js';
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

const INDEXED = /\.(md|base)$/i;

/** Whether a vault path is one the index covers: Markdown and `.base`, outside dot-folders. */
export function isIndexedPath(path: string): boolean {
  return INDEXED.test(path) && !path.split('/').some((s) => s.startsWith('.'));
}

function searchDoc(f: VaultFile): FullTextDoc {
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
 * headings, query blocks) and a full-text index ({@link FullTextIndex}), kept current by a recursive file
 * watcher. `.obsidian/` and other dot-folders are never read; symlinks are not followed.
 */
export class VaultIndex {
  private readonly files = new Map<string, VaultFile>();
  private readonly fulltext = new FullTextIndex();
  private resolver: LinkResolver | undefined;
  private backlinkMap: Map<string, Backlink[]> | undefined;
  private sorted: VaultFile[] | undefined;
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** The refresh of each path being read, the newest started (only while one is). */
  private readonly generations = new Map<string, number>();
  private lastGeneration = 0;
  private readonly listeners = new Set<(path: string) => void>();

  private constructor(readonly root: string) {}

  /** Indexes every note of the vault at `root` and, with `watch`, follows changes. */
  static async open(root: string, options: { watch?: boolean } = {}): Promise<VaultIndex> {
    const index = new VaultIndex(await realpath(root));
    const paths = (await readdir(index.root, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name).slice(index.root.length + 1).split('\\').join('/'))
      .filter(isIndexedPath);
    // Synchronous reads: nothing else runs yet, and 10,000 small files through libuv's four
    // threads spent longer queueing (open, fstat, read, close, stat each) than reading.
    for (const p of paths) {
      const f = index.readNow(p);
      if (f) index.files.set(f.path, f);
    }
    for (const f of index.files.values()) index.fulltext.add(searchDoc(f));
    index.fulltext.trim();
    if (options.watch) index.startWatching();
    return index;
  }

  private readNow(path: string): VaultFile | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(join(this.root, path), 'r');
      const st = fstatSync(fd);
      return recordOf(path, readFileSync(fd, 'utf8'), st);
    } catch {
      return undefined; // removed between listing and reading
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
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

  /**
   * Re-reads one file (after a write or a watcher event) and updates the index; resolves when done.
   * Refreshes of one path can overlap (a watcher event of the previous write and the next write's
   * own refresh): only the one started last is applied, since its read is the newest, whichever
   * read finishes first.
   */
  async refresh(path: string): Promise<void> {
    clearTimeout(this.pending.get(path));
    this.pending.delete(path);
    const generation = ++this.lastGeneration; // unique, so an entry can go once its refresh is applied
    this.generations.set(path, generation);
    const next = await this.read(path);
    if (this.generations.get(path) !== generation) return; // a later refresh of this path is reading
    this.generations.delete(path);
    if (this.files.has(path)) this.fulltext.discard(path);
    if (next) {
      this.files.set(path, next);
      this.fulltext.add(searchDoc(next));
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
    const found = this.fulltext.search(query, { limit: options.limit, ...(prefix ? { filter: (id: string) => id.startsWith(prefix) } : {}) });
    const hits = found.hits.map((r) => ({ path: r.id, score: Math.round(r.score * 1000) / 1000, snippet: snippetOf(this.files.get(r.id)?.body ?? '', r.terms) }));
    return { total: found.total, hits };
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
