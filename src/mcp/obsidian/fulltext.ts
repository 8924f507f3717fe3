/**
 * The vault's full-text index: an inverted index over four fields with postings in typed arrays,
 * scored with BM25+ exactly as MiniSearch 7 scores (same tokenizer, field lengths, boosts, prefix
 * weights, AND of all words, the last one a prefix), but without a result object per matching
 * note: scores add up in flat arrays and only the top `limit` hits are materialised. A word that
 * occurs in every note of a 10,000-note vault costs a loop over two typed arrays, not 10,000 maps.
 */

/** One document: a note's path and its searchable fields. */
export interface FullTextDoc {
  readonly id: string;
  readonly name: string;
  readonly aliases: string;
  readonly tags: string;
  readonly body: string;
}

/** One hit: the document id, its score and the query words it matched (for the snippet). */
export interface FullTextHit {
  readonly id: string;
  readonly score: number;
  readonly terms: readonly string[];
}

const FIELDS = ['name', 'aliases', 'tags', 'body'] as const;
const BOOST = [3, 2, 2, 1];
/** MiniSearch's tokenizer: split on line breaks, separators and punctuation. */
const SPLIT = /[\n\r\p{Z}\p{P}]+/u;
const K = 1.2;
const B = 0.7;
const D = 0.5;
const PREFIX_WEIGHT = 0.375;

/** The notes containing one term in one field, with the term's frequency in each. */
class Postings {
  docs = new Int32Array(2);
  tfs = new Uint16Array(2);
  size = 0;

  add(doc: number, tf: number): void {
    if (this.size === this.docs.length) {
      const docs = new Int32Array(this.size * 2);
      docs.set(this.docs);
      const tfs = new Uint16Array(this.size * 2);
      tfs.set(this.tfs);
      this.docs = docs;
      this.tfs = tfs;
    }
    this.docs[this.size] = doc;
    this.tfs[this.size] = Math.min(tf, 65535);
    this.size++;
  }

  /** Drops unused capacity (after the initial bulk load). */
  trim(): void {
    if (this.docs.length === this.size) return;
    this.docs = this.docs.slice(0, this.size);
    this.tfs = this.tfs.slice(0, this.size);
  }
}

type TermEntry = Array<Postings | undefined>;

function lowerBound(xs: readonly string[], x: string): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as string) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Per-search scratch space, reused across searches (stamps avoid clearing it). */
interface Scratch {
  score: Float64Array;
  count: Uint16Array;
  seen: Int32Array;
  mark: Int32Array;
}

/** A query word and whether it also matches as a prefix (the last word). */
interface QuerySpec {
  readonly term: string;
  readonly prefix: boolean;
}

/**
 * An incremental full-text index: {@link add} and {@link discard} keep it current (a discarded
 * note's postings are dropped in bulk once a fifth of the entries are dead).
 */
export class FullTextIndex {
  private terms = new Map<string, TermEntry>();
  private sortedTerms: string[] | undefined;
  private ids: Array<string | undefined> = [];
  private docOf = new Map<string, number>();
  private lengths = new Uint32Array(0);
  private readonly lengthSum = [0, 0, 0, 0];
  private live = 0;
  private dead = 0;
  private scratch: Scratch = { score: new Float64Array(0), count: new Uint16Array(0), seen: new Int32Array(0), mark: new Int32Array(0) };
  private stamp = 0;

  /** Number of documents in the index. */
  get size(): number {
    return this.live;
  }

  /** Adds (or replaces) a document. */
  add(doc: FullTextDoc): void {
    if (this.docOf.has(doc.id)) this.discard(doc.id);
    const n = this.ids.length;
    this.ids.push(doc.id);
    this.docOf.set(doc.id, n);
    if (this.lengths.length < (n + 1) * 4) {
      const grown = new Uint32Array(Math.max(64, (n + 1) * 8));
      grown.set(this.lengths);
      this.lengths = grown;
    }
    FIELDS.forEach((field, f) => this.addField(n, f, doc[field]));
    this.live++;
  }

  private addField(n: number, f: number, text: string): void {
    const tokens = text.split(SPLIT);
    // MiniSearch counts a field's length in distinct raw tokens.
    const length = new Set(tokens).size;
    this.lengths[n * 4 + f] = length;
    this.lengthSum[f] = (this.lengthSum[f] as number) + length;
    const tf = new Map<string, number>();
    for (const t of tokens) {
      const term = t.toLowerCase();
      if (term) tf.set(term, (tf.get(term) ?? 0) + 1);
    }
    for (const [term, count] of tf) {
      let entry = this.terms.get(term);
      if (!entry) {
        entry = [undefined, undefined, undefined, undefined];
        this.terms.set(term, entry);
        if (this.sortedTerms) this.sortedTerms.splice(lowerBound(this.sortedTerms, term), 0, term);
      }
      (entry[f] ??= new Postings()).add(n, count);
    }
  }

  /** Removes a document (no-op when absent). */
  discard(id: string): void {
    const n = this.docOf.get(id);
    if (n === undefined) return;
    this.docOf.delete(id);
    this.ids[n] = undefined;
    this.live--;
    this.dead++;
    for (let f = 0; f < 4; f++) this.lengthSum[f] = (this.lengthSum[f] as number) - (this.lengths[n * 4 + f] as number);
    if (this.dead > 64 && this.dead * 5 > this.ids.length) this.compact();
  }

  /** Drops the postings of discarded documents and renumbers the rest. */
  private compact(): void {
    const remap = new Int32Array(this.ids.length).fill(-1);
    const ids: string[] = [];
    const lengths = new Uint32Array(Math.max(64, this.live * 4));
    this.ids.forEach((id, old) => {
      if (id === undefined) return;
      remap[old] = ids.length;
      lengths.set(this.lengths.subarray(old * 4, old * 4 + 4), ids.length * 4);
      ids.push(id);
    });
    const terms = new Map<string, TermEntry>();
    for (const [term, entry] of this.terms) {
      const next = entry.map((p) => {
        if (!p) return undefined;
        const q = new Postings();
        for (let i = 0; i < p.size; i++) if ((remap[p.docs[i] as number] as number) >= 0) q.add(remap[p.docs[i] as number] as number, p.tfs[i] as number);
        return q.size > 0 ? q : undefined;
      });
      if (next.some(Boolean)) terms.set(term, next);
    }
    this.terms = terms;
    this.ids = ids;
    this.docOf = new Map(ids.map((id, i) => [id, i]));
    this.lengths = lengths;
    this.sortedTerms = undefined;
    this.dead = 0;
  }

  /** Trims the postings' spare capacity (call after a bulk load). */
  trim(): void {
    for (const entry of this.terms.values()) for (const p of entry) p?.trim();
  }

  /** The index terms starting with `prefix` (the term itself included), in order. */
  private withPrefix(prefix: string): string[] {
    this.sortedTerms ??= [...this.terms.keys()].sort();
    const out: string[] = [];
    for (let i = lowerBound(this.sortedTerms, prefix); i < this.sortedTerms.length && (this.sortedTerms[i] as string).startsWith(prefix); i++) out.push(this.sortedTerms[i] as string);
    return out;
  }

  private ensureScratch(): Scratch {
    const n = this.ids.length;
    if (this.scratch.score.length < n) {
      const size = Math.max(1024, n * 2);
      this.scratch = { score: new Float64Array(size), count: new Uint16Array(size), seen: new Int32Array(size), mark: new Int32Array(size) };
      this.stamp = 0;
    }
    return this.scratch;
  }

  /** Postings of a query word (its exact term; a prefix may add more): to order the words. */
  private estimate(spec: QuerySpec): number {
    return (this.terms.get(spec.term) ?? []).reduce((n, p) => n + (p?.size ?? 0), 0);
  }

  /** How many live documents a posting list holds (the IDF's document frequency). */
  private liveSize(p: Postings): number {
    if (this.dead === 0) return p.size;
    let n = 0;
    for (let i = 0; i < p.size; i++) if (this.ids[p.docs[i] as number] !== undefined) n++;
    return n;
  }

  /**
   * Adds one query word's BM25+ contributions. The first word seeds the candidates; later words
   * only raise documents that matched every word before (`count === k`).
   */
  private scoreSpec(spec: QuerySpec, at: { k: number; search: number }, s: Scratch, candidates: number[]): void {
    const { k, search } = at;
    const specStamp = ++this.stamp;
    const derived = spec.prefix ? this.withPrefix(spec.term) : this.terms.has(spec.term) ? [spec.term] : [];
    for (const term of derived) {
      const entry = this.terms.get(term) as TermEntry;
      const distance = term.length - spec.term.length;
      const weight = distance === 0 ? 1 : (PREFIX_WEIGHT * term.length) / (term.length + 0.3 * distance);
      entry.forEach((p, f) => {
        if (!p) return;
        const df = this.liveSize(p);
        const idf = Math.log(1 + (this.live - df + 0.5) / (df + 0.5));
        const avg = (this.lengthSum[f] as number) / Math.max(1, this.live);
        const w = weight * (BOOST[f] as number) * idf;
        for (let i = 0; i < p.size; i++) {
          const doc = p.docs[i] as number;
          if (k === 0) {
            if (this.ids[doc] === undefined) continue;
            if (s.seen[doc] !== search) {
              s.seen[doc] = search;
              s.score[doc] = 0;
              s.count[doc] = 0;
              candidates.push(doc);
            }
          } else if (s.seen[doc] !== search || (s.count[doc] !== k && s.mark[doc] !== specStamp)) continue;
          const tf = p.tfs[i] as number;
          s.score[doc] = (s.score[doc] as number) + w * (D + (tf * (K + 1)) / (tf + K * (1 - B + (B * (this.lengths[doc * 4 + f] as number)) / avg)));
          if (s.mark[doc] !== specStamp) {
            s.mark[doc] = specStamp;
            s.count[doc] = (s.count[doc] as number) + 1;
          }
        }
      });
    }
  }

  /**
   * Documents containing every word of `query` (the last word also as a prefix), best first: the
   * top `limit` and the total.
   */
  search(query: string, options: { limit: number; filter?: (id: string) => boolean }): { total: number; hits: FullTextHit[] } {
    const words = query
      .split(SPLIT)
      .map((t) => t.toLowerCase())
      .filter(Boolean);
    if (words.length === 0 || this.live === 0) return { total: 0, hits: [] };
    const specs = [...new Map(words.map((term, i) => [`${term}\0${i === words.length - 1}`, { term, prefix: i === words.length - 1 }])).values()];
    // The rarest word first: it seeds the fewest candidates (the sum of scores does not depend on order).
    specs.sort((a, b) => this.estimate(a) - this.estimate(b));
    const unique = new Set(words).size;
    const s = this.ensureScratch();
    const search = ++this.stamp;
    const candidates: number[] = [];
    specs.forEach((spec, k) => this.scoreSpec(spec, { k, search }, s, candidates));
    const top: number[] = [];
    let total = 0;
    for (const doc of candidates) {
      if (s.count[doc] !== specs.length) continue;
      if (options.filter && !options.filter(this.ids[doc] as string)) continue;
      total++;
      insertTop(top, doc, s.score, options.limit);
    }
    return { total, hits: top.map((doc) => ({ id: this.ids[doc] as string, score: (s.score[doc] as number) * unique, terms: words })) };
  }
}

/** Keeps `top` the best `limit` documents by score (ties: the earlier document first). */
function insertTop(top: number[], doc: number, score: Float64Array, limit: number): void {
  const v = score[doc] as number;
  if (top.length === limit && v <= (score[top[top.length - 1] as number] as number)) return;
  let i = top.length;
  while (i > 0 && (score[top[i - 1] as number] as number) < v) i--;
  top.splice(i, 0, doc);
  if (top.length > limit) top.pop();
}
