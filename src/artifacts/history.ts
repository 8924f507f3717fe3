import { KeyedLock } from '../runtime/keyed-lock.js';
import { ArtifactStoreError } from './errors.js';
import { readAll } from './read.js';
import { compareEntries, decodeCursor, encodeCursor, invertedTime, matches, toEntry, type HistoryEntry, type HistoryFilter, type RunRecord } from './history-model.js';
import { runPrefix, type ArtifactStore } from './store.js';

export type { HistoryEntry, HistoryFilter, RunOutcome, RunRecord } from './history-model.js';

/** Options of {@link HistoryIndex}. */
export interface HistoryIndexOptions {
  /** Key prefix of the history in the store (default `history/`). */
  root?: string;
  /** Entries above which a segment is split in two (default 1000): larger means fewer reads per listing, larger rewrites per run. */
  segmentSize?: number;
  /**
   * How long a listing reuses the segment list it read (default 1000 ms; 0: LIST on every call). Writes
   * through this index refresh it at once; runs recorded by another process show up within this time.
   */
  listingTtlMs?: number;
}

/** Options of {@link HistoryIndex.list}. */
export interface HistoryQuery extends HistoryFilter {
  /** Entries per page (default 50, at most 1000). */
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

/** One page of {@link HistoryIndex.list}, newest first. */
export interface HistoryPage {
  items: HistoryEntry[];
  next?: string;
}

/** An index segment: its key, the (inverted) time bound it covers up to, and its cache validator. */
interface SegmentRef {
  key: string;
  bound: string;
  etag?: string;
}

/** The bound of the oldest segment: it covers everything older than the next one. */
const OLDEST = '9999999999999';
const PREFIX_LEN = OLDEST.length;

/**
 * The run history outside etcd: one small JSON record per finished run, plus a compact per-namespace
 * index, both in the artifact store. Layout under `history/<namespace>/`:
 * - `runs/<id>.json`: the full {@link RunRecord}. `id` is `<13-digit inverted finish time>_<kind>_<name>_<attempt>`,
 *   so ids sort newest first.
 * - `index/<bound>.jsonl`: one-line summaries (the record without its artifact list), sorted by id.
 *   Segments partition time: segment `B` holds the ids whose 13-digit prefix is at most `B` and above
 *   the next smaller bound, so reading segments in key order lists runs newest first, whatever order
 *   they were recorded in. A segment over `segmentSize` entries is split in two at its median time.
 *
 * A listing costs one LIST of the index plus a GET of the segments it reads; segments are cached and
 * revalidated by the ETag that LIST returns, so a page of 10,000 runs reads next to nothing. One writer
 * per namespace at a time (the operator's leader; calls in this process are serialised); readers may be
 * anywhere. A crash between the record and the index write is healed by {@link repair}.
 */
export class HistoryIndex {
  private readonly root: string;
  private readonly segmentSize: number;
  private readonly locks = new KeyedLock();
  private readonly cache = new Map<string, { etag: string; entries: HistoryEntry[] }>();
  private readonly listings = new Map<string, { at: number; segments: Promise<SegmentRef[]> }>();
  private readonly listingTtlMs: number;

  constructor(
    private readonly store: ArtifactStore,
    opts: HistoryIndexOptions = {},
  ) {
    this.root = opts.root ?? 'history/';
    this.segmentSize = Math.max(opts.segmentSize ?? 1000, 2);
    this.listingTtlMs = opts.listingTtlMs ?? 1000;
  }

  /** Writes the run's record and adds it to the namespace index; returns its id. Idempotent per id. */
  async record(run: RunRecord): Promise<string> {
    runPrefix(run); // validates namespace, kind, name, attempt
    const entry = toEntry(run);
    const body = Buffer.from(JSON.stringify(run));
    await this.store.put(this.recordKey(run.namespace, entry.id), body, { size: body.length, contentType: 'application/json' });
    await this.withLock(run.namespace, () => this.addToIndex(run.namespace, [entry]));
    return entry.id;
  }

  /**
   * Records many runs at once (an import, a migration, a benchmark's seed): the records are written
   * `concurrency` at a time, then each namespace's index is updated in one pass.
   */
  async recordMany(runs: readonly RunRecord[], concurrency = 8): Promise<void> {
    const queue = [...runs];
    const byNamespace = new Map<string, HistoryEntry[]>();
    const worker = async (): Promise<void> => {
      for (let run = queue.shift(); run; run = queue.shift()) {
        runPrefix(run);
        const entry = toEntry(run);
        const body = Buffer.from(JSON.stringify(run));
        await this.store.put(this.recordKey(run.namespace, entry.id), body, { size: body.length, contentType: 'application/json' });
        const list = byNamespace.get(run.namespace) ?? [];
        list.push(entry);
        byNamespace.set(run.namespace, list);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    for (const [ns, entries] of byNamespace) await this.withLock(ns, () => this.addToIndex(ns, entries));
  }

  /** The full record of a run, or undefined when there is none. */
  async get(namespace: string, id: string): Promise<RunRecord | undefined> {
    try {
      const obj = await this.store.get(this.recordKey(namespace, id));
      return JSON.parse((await readAll(obj.body)).toString('utf8')) as RunRecord;
    } catch (err) {
      if (err instanceof ArtifactStoreError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  /**
   * A page of the namespace's runs, newest first, filtered.
   * @example const { items, next } = await history.list('team-a', { outcome: 'Failed', template: 'ci', limit: 20 });
   */
  async list(namespace: string, query: HistoryQuery = {}): Promise<HistoryPage> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
    const after = query.cursor ? decodeCursor(query.cursor) : '';
    // Ids before `until` and after `since` (in time) bound the scan.
    const from = maxString(after, query.until ? invertedTime(Date.parse(query.until)) : '');
    const stop = query.since ? invertedTime(Date.parse(query.since)) : undefined;
    const segments = await this.recentSegments(namespace);
    const items: HistoryEntry[] = [];
    let last = after;
    for (const seg of segments.slice(Math.max(segmentIndexFor(segments, from.slice(0, PREFIX_LEN)), 0))) {
      for (const e of await this.read(seg)) {
        if (e.id <= last) continue; // before the cursor, or a duplicate while a split is half written
        if (stop !== undefined && e.id.slice(0, PREFIX_LEN) > stop) return { items };
        last = e.id;
        if (!matches(e, query)) continue;
        if (items.length === limit) return { items, next: encodeCursor(items.at(-1)!.id) };
        items.push(e);
      }
    }
    return { items };
  }

  /** Adds to the index every record of the namespace that it lacks (after a crash between the two writes). Returns how many. */
  async repair(namespace: string): Promise<number> {
    return this.withLock(namespace, async () => {
      const indexed = new Set<string>();
      for (const seg of await this.segments(namespace)) for (const e of await this.read(seg)) indexed.add(e.id);
      const missing: HistoryEntry[] = [];
      const prefix = `${this.root}${namespace}/runs/`;
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await this.store.list(prefix, { cursor });
        cursor = page.next;
        for (const o of page.objects) {
          const id = o.key.slice(prefix.length, -'.json'.length);
          const rec = indexed.has(id) ? undefined : await this.get(namespace, id);
          if (rec) missing.push(toEntry(rec));
        }
      }
      if (missing.length > 0) await this.addToIndex(namespace, missing);
      return missing.length;
    });
  }

  private recordKey(namespace: string, id: string): string {
    return `${this.root}${namespace}/runs/${id}.json`;
  }

  private segmentKey(namespace: string, bound: string): string {
    return `${this.root}${namespace}/index/${bound}.jsonl`;
  }

  /** The namespace's segments in key order (newest first). */
  /** The segment list of a listing: shared by concurrent calls and reused for `listingTtlMs`. */
  private recentSegments(namespace: string): Promise<SegmentRef[]> {
    const hit = this.listings.get(namespace);
    if (hit && Date.now() - hit.at < this.listingTtlMs) return hit.segments;
    const segments = this.segments(namespace);
    this.listings.set(namespace, { at: Date.now(), segments });
    segments.catch(() => this.listings.delete(namespace));
    return segments;
  }

  private async segments(namespace: string): Promise<SegmentRef[]> {
    const prefix = `${this.root}${namespace}/index/`;
    const out: SegmentRef[] = [];
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await this.store.list(prefix, { cursor });
      for (const o of page.objects) {
        const m = /(\d{13})\.jsonl$/.exec(o.key);
        if (m) out.push({ key: o.key, bound: m[1]!, etag: o.etag });
      }
      cursor = page.next;
    }
    return out.sort((a, b) => (a.bound < b.bound ? -1 : 1));
  }

  /** A segment's entries, from the cache while its ETag is unchanged. */
  private async read(seg: SegmentRef): Promise<HistoryEntry[]> {
    const cached = this.cache.get(seg.key);
    if (cached && seg.etag && cached.etag === seg.etag) return cached.entries;
    let text: string;
    try {
      text = (await readAll((await this.store.get(seg.key)).body)).toString('utf8');
    } catch (err) {
      if (err instanceof ArtifactStoreError && err.code === 'NotFound') return []; // removed since the LIST
      throw err;
    }
    const entries: HistoryEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line) as HistoryEntry);
      } catch {
        // A torn or hand-edited line loses one summary, never the listing; repair() re-adds it.
      }
    }
    entries.sort(compareEntries);
    if (seg.etag) this.cache.set(seg.key, { etag: seg.etag, entries });
    return entries;
  }

  /** Merges entries into the segments their times fall in, splitting segments that grow too large. */
  private async addToIndex(namespace: string, added: HistoryEntry[]): Promise<void> {
    this.listings.delete(namespace);
    const segments = await this.segments(namespace);
    if (segments.length === 0) segments.push({ key: this.segmentKey(namespace, OLDEST), bound: OLDEST });
    const groups = new Map<SegmentRef, HistoryEntry[]>();
    for (const e of added) {
      const seg = segments[segmentIndexFor(segments, e.id.slice(0, PREFIX_LEN))] ?? segments.at(-1)!;
      const group = groups.get(seg) ?? [];
      group.push(e);
      groups.set(seg, group);
    }
    for (const [seg, group] of groups) {
      const byId = new Map((seg.etag ? await this.read(seg) : []).map((e) => [e.id, e]));
      for (const e of group) byId.set(e.id, e);
      await this.writeSegment(namespace, seg.bound, [...byId.values()].sort(compareEntries));
    }
    this.listings.delete(namespace); // a listing that ran during the write may hold the old list
  }

  /** Writes a segment; one over the size is split at its median time, the newer half written first. */
  private async writeSegment(namespace: string, bound: string, entries: HistoryEntry[]): Promise<void> {
    if (entries.length > this.segmentSize) {
      const split = entries[Math.floor(entries.length / 2) - 1]!.id.slice(0, PREFIX_LEN);
      const newer = entries.filter((e) => e.id.slice(0, PREFIX_LEN) <= split);
      const older = entries.filter((e) => e.id.slice(0, PREFIX_LEN) > split);
      if (older.length > 0) {
        await this.writeSegment(namespace, split, newer);
        await this.writeSegment(namespace, bound, older);
        return;
      }
    }
    const key = this.segmentKey(namespace, bound);
    const body = Buffer.from(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    await this.store.put(key, body, { size: body.length, contentType: 'application/x-ndjson' });
    this.cache.delete(key);
  }

  private async withLock<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(namespace, fn);
  }

}

/** Index of the segment an id prefix falls in: the first whose bound is at least the prefix. */
function segmentIndexFor(segments: readonly SegmentRef[], prefix: string): number {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid]!.bound < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function maxString(a: string, b: string): string {
  return a > b ? a : b;
}
