import MiniSearch from 'minisearch';
import { FullTextIndex, type FullTextDoc } from './fulltext.js';

// MiniSearch, configured as the vault index used it, is the oracle: same hits, same order, same
// scores, for frequent words, rare words, prefixes, several words, after removals and replacements.
const WORDS = 'scheduler mesh tailnet quota kernel gradient cluster latency replica operator webhook lease informer watch budget agent'.split(' ');
const TAIL = Array.from({ length: 300 }, (_, i) => `w${i.toString(36)}x`);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function docs(n: number): FullTextDoc[] {
  const rand = rng(7);
  const word = () => (rand() < 0.6 ? WORDS[Math.floor(rand() * WORDS.length)]! : TAIL[Math.min(TAIL.length - 1, Math.floor(1 / (rand() + 0.003)) - 1)]!);
  return Array.from({ length: n }, (_, i) => ({
    id: `Folder${i % 4}/Note ${String(i).padStart(5, '0')}.md`,
    name: `Note ${String(i).padStart(5, '0')}`,
    aliases: i % 5 === 0 ? `Alias ${i}` : '',
    tags: `topic/${word()} ${i % 3 ? '' : 'project'}`,
    body: `# Title ${word()}\n\n${Array.from({ length: 30 + (i % 40) }, word).join(' ')}, see [[Note ${String((i * 7) % n).padStart(5, '0')}]].`,
  }));
}

function oracle(all: FullTextDoc[]): MiniSearch<FullTextDoc> {
  const m = new MiniSearch<FullTextDoc>({ fields: ['name', 'aliases', 'tags', 'body'], storeFields: [], searchOptions: { boost: { name: 3, aliases: 2, tags: 2 }, prefix: (_t, i, terms) => i === terms.length - 1, combineWith: 'AND' } });
  m.addAll(all);
  return m;
}

const QUERIES = ['scheduler', 'Note 00042', 'mesh tailnet', 'quota kern', 'w1x', 'w2', 'budget agent lease', 'project', 'Alias 10', 'nothing-matches', 'topic', 'NOTE', 'w1x w1x', '!!!'];

function expectSame(idx: FullTextIndex, m: MiniSearch<FullTextDoc>, q: string, filter?: (id: string) => boolean): void {
  const want = m.search(q, filter ? { filter: (r) => filter(r.id as string) } : {});
  const got = idx.search(q, { limit: 25, ...(filter ? { filter } : {}) });
  expect({ q, total: got.total }).toEqual({ q, total: want.length });
  // Equal scores may come in either order: compare scores by rank, and ids where scores differ.
  want.slice(0, 25).forEach((w, i) => {
    const g = got.hits[i]!;
    expect(g.score).toBeCloseTo(w.score, 6);
    if (Math.abs((want[i + 1]?.score ?? -1) - w.score) > 1e-9 && Math.abs((want[i - 1]?.score ?? -1) - w.score) > 1e-9) expect({ q, i, id: g.id }).toEqual({ q, i, id: w.id });
  });
}

describe('FullTextIndex', () => {
  const all = docs(1500);

  it.each(QUERIES)('answers %p as MiniSearch does', (q) => {
    const idx = new FullTextIndex();
    for (const d of all) idx.add(d);
    idx.trim();
    expectSame(idx, oracle(all), q);
  });

  it('filters by folder as MiniSearch does', () => {
    const idx = new FullTextIndex();
    for (const d of all) idx.add(d);
    for (const q of ['scheduler', 'mesh tailnet']) expectSame(idx, oracle(all), q, (id) => id.startsWith('Folder2/'));
  });

  it('stays equal after removals (with compaction) and replacements', () => {
    const idx = new FullTextIndex();
    for (const d of all) idx.add(d);
    // 400 removals: more than a fifth, so the postings are compacted at least once.
    for (const d of all.slice(0, 400)) idx.discard(d.id);
    const changed = { ...all[500]!, body: 'quasar scheduler' };
    idx.add(changed);
    expect(idx.size).toBe(1100);
    // The oracle is a MiniSearch built from what remains (MiniSearch's own discard counts removed
    // documents in its IDF until a later vacuum: its scores drift meanwhile, ours do not).
    const m = oracle([...all.slice(400).filter((d) => d.id !== changed.id), changed]);
    for (const q of ['scheduler', 'Note 00042', 'Note 00450', 'quasar', 'w1x', 'mesh tailnet']) expectSame(idx, m, q);
  });

  it('limits the hits but counts them all', () => {
    const idx = new FullTextIndex();
    for (const d of all) idx.add(d);
    const r = idx.search('note', { limit: 3 });
    expect(r.hits).toHaveLength(3);
    expect(r.total).toBe(1500);
  });
});
