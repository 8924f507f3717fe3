import { ArtifactStoreError } from './errors.js';
import { readAll } from './read.js';
import { compareEntries, decodeCursor, encodeCursor, matches, toEntry, type HistoryEntry, type HistoryFilter, type RunRecord } from './history-model.js';
import { runPrefix, type ArtifactStore } from './store.js';

export type { HistoryEntry, HistoryFilter, RunOutcome, RunRecord } from './history-model.js';

/** Options of {@link HistoryIndex}. */
export interface HistoryIndexOptions {
  /** Key prefix of the history in the store (default `history/`). */
  root?: string;
  /** Entries per index segment (default 1000): larger means fewer reads per listing, larger rewrites per run. */
  segmentSize?: number;
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

interface Segment {
  key: string;
  entries: HistoryEntry[];
}

const SEG_MAX = 999_999_999;

/** Segment numbers are inverted so that the newest segment sorts first: `…/999999998.jsonl` follows `…/999999999.jsonl`. */
function nextSegmentKey(key: string): string {
  const m = /^(.*\/)(\d{9})\.jsonl$/.exec(key);
  if (!m) throw new Error(`history index: unexpected segment key "${key}"`);
  return `${m[1]}${String(Number(m[2]) - 1).padStart(9, '0')}.jsonl`;
}

/**
 * The run history outside etcd: one small JSON record per finished run, plus a compact per-namespace
 * index, both in the artifact store. Layout under `history/<namespace>/`:
 * - `runs/<id>.json`: the full {@link RunRecord}, written once. `id` is
 *   `<13-digit inverted finish time>_<kind>_<name>_<attempt>`, so keys sort newest first.
 * - `index/<9-digit inverted segment number>.jsonl`: segments of up to `segmentSize` one-line
 *   summaries (everything but the artifact list), newest segment first, each sorted newest first.
 *   Listing reads segments in order until the page is full: a page of 10,000 runs costs one LIST and
 *   a few GETs instead of 10,000. Closed segments never change, so they are cached.
 *
 * One writer per namespace at a time (the operator's leader); concurrent calls in this process are
 * serialised. A crash between the record and the index write is healed by {@link repair}.
 */
export class HistoryIndex {
  private readonly root: string;
  private readonly segmentSize: number;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly open = new Map<string, Segment>();
  private readonly closed = new Map<string, HistoryEntry[]>();

  constructor(
    private readonly store: ArtifactStore,
    opts: HistoryIndexOptions = {},
  ) {
    this.root = opts.root ?? 'history/';
    this.segmentSize = opts.segmentSize ?? 1000;
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
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const keys = await this.segmentKeys(namespace);
    const start = cursor ? keys.findIndex((k) => k >= cursor.segment) : 0;
    const items: HistoryEntry[] = [];
    for (let i = Math.max(start, 0); i < keys.length; i++) {
      const key = keys[i]!;
      const entries = await this.readSegment(key, i === 0);
      const from = cursor && key === cursor.segment ? entries.findIndex((e) => e.id > cursor.after) : 0;
      if (from < 0) continue;
      for (let j = from; j < entries.length; j++) {
        if (!matches(entries[j]!, query)) continue;
        if (items.length === limit) return { items, next: encodeCursor({ segment: key, after: items.at(-1)!.id }) };
        items.push(entries[j]!);
      }
    }
    return { items };
  }

  /**
   * Adds to the index every record of the namespace that it lacks (after a crash between the two
   * writes), scanning records newer than the oldest indexed one. Returns how many were added.
   */
  async repair(namespace: string): Promise<number> {
    return this.withLock(namespace, async () => {
      const indexed = new Set<string>();
      for (const [i, key] of (await this.segmentKeys(namespace)).entries()) for (const e of await this.readSegment(key, i === 0)) indexed.add(e.id);
      const missing: HistoryEntry[] = [];
      const prefix = `${this.root}${namespace}/runs/`;
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await this.store.list(prefix, { cursor });
        cursor = page.next;
        for (const o of page.objects) {
          const id = o.key.slice(prefix.length, -'.json'.length);
          if (indexed.has(id)) continue;
          const rec = await this.get(namespace, id);
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

  private async segmentKeys(namespace: string): Promise<string[]> {
    const prefix = `${this.root}${namespace}/index/`;
    const keys: string[] = [];
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await this.store.list(prefix, { cursor });
      keys.push(...page.objects.map((o) => o.key).filter((k) => k.endsWith('.jsonl')));
      cursor = page.next;
    }
    return keys.sort();
  }

  /** Reads a segment; closed (not newest) segments are immutable and served from memory after the first read. */
  private async readSegment(key: string, newest: boolean): Promise<HistoryEntry[]> {
    const cached = newest ? undefined : this.closed.get(key);
    if (cached) return cached;
    const obj = await this.store.get(key);
    const entries: HistoryEntry[] = [];
    for (const line of (await readAll(obj.body)).toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line) as HistoryEntry);
      } catch {
        // A torn or hand-edited line loses one summary, never the listing; repair() re-adds it.
      }
    }
    if (!newest) this.closed.set(key, entries);
    return entries;
  }

  /**
   * Adds entries to the newest segment and writes it; when it is full, it is closed as it is and the
   * rest go to new segments (oldest first, so segments stay in time order after a bulk add).
   */
  private async addToIndex(namespace: string, added: HistoryEntry[]): Promise<void> {
    let { key, entries } = await this.openSegment(namespace);
    const byId = new Map(entries.map((e) => [e.id, e]));
    const fresh: HistoryEntry[] = [];
    for (const e of added) (byId.has(e.id) ? byId.set(e.id, e) : fresh.push(e));
    fresh.sort((a, b) => compareEntries(b, a));
    entries = [...byId.values()];
    for (;;) {
      entries = [...entries, ...fresh.splice(0, Math.max(this.segmentSize - entries.length, 0))].sort(compareEntries);
      const body = Buffer.from(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
      await this.store.put(key, body, { size: body.length, contentType: 'application/x-ndjson' });
      if (fresh.length === 0) break;
      this.closed.set(key, entries);
      key = nextSegmentKey(key);
      entries = [];
    }
    this.open.set(namespace, { key, entries });
  }

  private async openSegment(namespace: string): Promise<Segment> {
    const cached = this.open.get(namespace);
    if (cached) return cached;
    const newest = (await this.segmentKeys(namespace))[0];
    if (!newest) return { key: `${this.root}${namespace}/index/${String(SEG_MAX).padStart(9, '0')}.jsonl`, entries: [] };
    return { key: newest, entries: await this.readSegment(newest, true) };
  }

  private async withLock<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(namespace) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(namespace, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(namespace) === settled) this.locks.delete(namespace);
    }
  }
}
