import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPEND_EVERY_MS, TranscriptWriter, type TranscriptEntry } from './transcript.js';

const task = { namespace: 'acme', name: 't1' };
const entry = (n: number): TranscriptEntry => ({ time: '2026-12-06T00:00:00.000Z', task, attempt: 1, api: 'openai', stream: false, status: 200, retries: 0, durationMs: n, request: { n, key: 'sk-secret-value-123' } });
const tick = () => new Promise((resolve) => setImmediate(resolve));

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'weft-transcript-'))));
afterEach(async () => {
  jest.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

describe('TranscriptWriter', () => {
  it('appends the lines of an interval in one write, in order, redacted', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const w = new TranscriptWriter(dir);
    const appends: string[] = [];
    const real = (w as unknown as { append: (file: string, text: string) => Promise<void> }).append.bind(w);
    (w as unknown as { append: (file: string, text: string) => Promise<void> }).append = (file, text) => (appends.push(text), real(file, text));
    const redact = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll('sk-secret-value-123', '[redacted]')) as unknown;
    w.write(entry(1), redact);
    await tick();
    w.write(() => entry(2), redact);
    await tick();
    expect(appends).toHaveLength(0); // serialised, waiting for the interval
    jest.advanceTimersByTime(APPEND_EVERY_MS);
    w.write(entry(3), redact);
    await w.flush();
    expect(appends).toHaveLength(2);
    const lines = (await readFile(w.pathFor(task, 1), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as TranscriptEntry);
    expect(lines.map((l) => l.durationMs)).toEqual([1, 2, 3]);
    expect(JSON.stringify(lines)).not.toContain('sk-secret-value-123');
    await w.close();
  });

  it('writes what is waiting on close, and an entry that cannot be serialised is left out', async () => {
    const w = new TranscriptWriter(dir);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    w.write({ ...entry(1), request: cyclic }, (v) => v);
    w.write(entry(2), (v) => v);
    await w.close();
    const lines = (await readFile(w.pathFor(task, 1), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as TranscriptEntry).durationMs)).toEqual([2]);
  });
});
