import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '../../src/artifacts/filesystem.js';
import { HistoryIndex, type HistoryEntry, type RunOutcome, type RunRecord } from '../../src/artifacts/history.js';
import { runId } from '../../src/artifacts/history-model.js';
import { LocalS3 } from '../../src/artifacts/local-s3.js';
import type { ArtifactStore } from '../../src/artifacts/store.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const OUTCOMES: RunOutcome[] = ['Succeeded', 'Failed', 'Succeeded', 'Cancelled', 'Succeeded'];

/** Run i of a namespace: finished i minutes after T0; templates ci/docs alternate, orgs acme/globex every 3. */
function runRecord(i: number, namespace = 'team-a'): RunRecord {
  return {
    namespace,
    kind: i % 4 === 0 ? 'agenttask' : 'job',
    name: `run-${i}`,
    attempt: 1 + (i % 2),
    template: i % 2 === 0 ? 'ci' : 'docs',
    org: i % 3 === 0 ? 'globex' : 'acme',
    specDigest: `sha256:${i.toString(16).padStart(64, '0')}`,
    outcome: OUTCOMES[i % OUTCOMES.length]!,
    startedAt: new Date(T0 + i * 60_000 - 30_000).toISOString(),
    finishedAt: new Date(T0 + i * 60_000).toISOString(),
    artifacts: [{ path: 'junit.xml', key: `${namespace}/job/run-${i}/1/junit.xml`, size: 100 + i, sha256: 'a'.repeat(64) }],
    traceId: i.toString(16).padStart(32, '0'),
  };
}

/** Every page of a listing. */
async function listAll(history: HistoryIndex, namespace: string, query: Parameters<HistoryIndex['list']>[1] = {}): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await history.list(namespace, { ...query, cursor });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

describe.each([
  [
    's3 (versitygw)',
    async () => {
      const s3 = await LocalS3.start();
      const store = s3.store();
      return { store: store as ArtifactStore, stop: async () => (await store.close(), await s3.stop()) };
    },
  ],
  [
    'filesystem',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'weft-history-'));
      return { store: new FilesystemArtifactStore(dir) as ArtifactStore, stop: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
])('run history in a %s store', (_name, open) => {
  let store: ArtifactStore;
  let stop: () => Promise<void>;
  let history: HistoryIndex;
  const N = 25;

  beforeAll(async () => {
    ({ store, stop } = await open());
    // Segments of 10 entries: 25 runs span three segments.
    history = new HistoryIndex(store, { segmentSize: 10 });
    // Recorded out of order, as runs finish concurrently.
    const order = Array.from({ length: N }, (_, i) => (i * 7) % N);
    for (const i of order) await history.record(runRecord(i));
    await history.record(runRecord(0, 'team-b'));
  });
  afterAll(async () => stop?.());

  it('lists every run newest first across pages and segments, with no duplicates', async () => {
    const all = await listAll(history, 'team-a', { limit: 7 });
    expect(all.map((e) => e.name)).toEqual(Array.from({ length: N }, (_, i) => `run-${N - 1 - i}`));
    expect(all[0]).toMatchObject({ kind: 'agenttask', attempt: 1 + ((N - 1) % 2), artifactCount: 1, artifactBytes: 100 + N - 1, traceId: (N - 1).toString(16).padStart(32, '0') });
    expect((await history.list('team-a')).items).toHaveLength(N);
    expect((await store.list('history/team-a/index/')).objects.length).toBeGreaterThanOrEqual(3);
  });

  it('filters by template, org, outcome, kind and time, also across pages', async () => {
    const expectNames = (entries: HistoryEntry[], pred: (i: number) => boolean) =>
      expect(entries.map((e) => e.name)).toEqual(Array.from({ length: N }, (_, k) => N - 1 - k).filter(pred).map((i) => `run-${i}`));
    expectNames(await listAll(history, 'team-a', { template: 'ci', limit: 3 }), (i) => i % 2 === 0);
    expectNames(await listAll(history, 'team-a', { org: 'globex', outcome: 'Succeeded', limit: 2 }), (i) => i % 3 === 0 && OUTCOMES[i % 5] === 'Succeeded');
    expectNames(await listAll(history, 'team-a', { outcome: ['Failed', 'Cancelled'] }), (i) => ['Failed', 'Cancelled'].includes(OUTCOMES[i % 5]!));
    expectNames(await listAll(history, 'team-a', { kind: 'agenttask' }), (i) => i % 4 === 0);
    const since = new Date(T0 + 10 * 60_000).toISOString();
    const until = new Date(T0 + 15 * 60_000).toISOString();
    expectNames(await listAll(history, 'team-a', { since, until }), (i) => i >= 10 && i < 15);
    expect(await listAll(history, 'team-a', { template: 'nope' })).toEqual([]);
  });

  it('keeps namespaces apart and returns the full record by id', async () => {
    expect((await listAll(history, 'team-b')).map((e) => e.name)).toEqual(['run-0']);
    expect(await listAll(history, 'team-c')).toEqual([]);
    const id = (await history.list('team-a', { limit: 1 })).items[0]!.id;
    expect(await history.get('team-a', id)).toEqual(runRecord(N - 1));
    expect(await history.get('team-a', 'nope')).toBeUndefined();
  });

  it('is idempotent: recording a run again replaces its entry', async () => {
    await history.record({ ...runRecord(N - 1), message: 'recorded twice' });
    const all = await listAll(history, 'team-a');
    expect(all).toHaveLength(N);
    expect(all[0]!.message).toBe('recorded twice');
  });

  it('is read the same by another process, and repair() re-adds a record whose index write was lost', async () => {
    // Given a record written but never indexed (the writer crashed in between)
    const lost = runRecord(100);
    const body = Buffer.from(JSON.stringify(lost));
    await store.put(`history/team-a/runs/${runId(lost)}.json`, body, { size: body.length });
    const reader = new HistoryIndex(store, { segmentSize: 10 });
    expect(await listAll(reader, 'team-a')).toHaveLength(N);
    // When the operator repairs the index
    expect(await reader.repair('team-a')).toBe(1);
    expect(await reader.repair('team-a')).toBe(0);
    // Then it lists first (newest), for this reader and a fresh one
    expect((await reader.list('team-a', { limit: 1 })).items[0]!.name).toBe('run-100');
    expect(await listAll(new HistoryIndex(store), 'team-a')).toHaveLength(N + 1);
  });

  it('rejects a malformed cursor with a message', async () => {
    await expect(history.list('team-a', { cursor: 'garbage' })).rejects.toThrow(/invalid history cursor/);
  });
});
