import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentTask } from '../../src/api/agenttask/types.js';
import { FilesystemArtifactStore } from '../../src/artifacts/filesystem.js';
import { historyFor } from '../../src/artifacts/index.js';
import { needsPublishing, publishTaskArtifacts } from './artifacts.js';

const now = new Date('2026-12-05T12:00:00Z');

function task(status: AgentTask['status']): AgentTask {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AgentTask',
    metadata: { name: 'fix-1', namespace: 'team-a', uid: 'u-1', generation: 1, creationTimestamp: '2026-12-05T11:50:00Z' as unknown as Date },
    spec: { org: 'acme', repo: { url: 'http://127.0.0.1:3000/weft/app.git' }, source: { inline: { title: 'Fix it' } }, agent: { driver: 'scripted' } },
    status,
  } as AgentTask;
}

describe('AgentTask artifacts: transcripts, report.json and the run record in the store', () => {
  let dir: string;
  let transcripts: string;
  let store: FilesystemArtifactStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-task-artifacts-'));
    transcripts = join(dir, 'transcripts');
    store = new FilesystemArtifactStore(join(dir, 'store'));
    await mkdir(join(transcripts, 'team-a', 'fix-1'), { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('publishes each attempt transcript and the last report, records the run, sets ArtifactsPublished', async () => {
    const lines = ['{"request":1}\n', '{"request":2}\n'];
    await writeFile(join(transcripts, 'team-a', 'fix-1', 'attempt-1.jsonl'), lines[0]!);
    await writeFile(join(transcripts, 'team-a', 'fix-1', 'attempt-2.jsonl'), lines[1]!);
    const t = task({ phase: 'Failed', outcome: 'MaxAttemptsReached', attempt: 2, diagnostics: 'test failed: adds', conditions: [{ type: 'Ready', status: 'False', reason: 'MaxAttemptsReached', message: 'x', lastTransitionTime: '2026-12-05T11:59:00Z' }] });
    expect(needsPublishing(t)).toBe(true);
    const st = await publishTaskArtifacts({ task: t, store: async () => store, transcriptDir: transcripts, now });
    expect(st.conditions?.find((c) => c.type === 'ArtifactsPublished')).toMatchObject({ status: 'True', reason: 'Published' });
    expect(st.artifacts?.map((a) => a.name)).toEqual(['1/transcript.jsonl', '2/transcript.jsonl', '2/report.json']);
    const sha = createHash('sha256').update(lines[0]!).digest('hex');
    expect(st.artifacts?.[0]).toEqual({ name: '1/transcript.jsonl', url: '/api/v1/artifacts/team-a/agenttask/fix-1/1/transcript.jsonl', digest: `sha256:${sha}`, size: lines[0]!.length });
    const report = JSON.parse(await readFile(join(dir, 'store', 'team-a', 'agenttask', 'fix-1', '2', 'report.json'), 'utf8')) as Record<string, unknown>;
    expect(report).toMatchObject({ task: 'team-a/fix-1', outcome: 'MaxAttemptsReached', attempt: 2, diagnostics: 'test failed: adds' });
    // The run outlives the object: the history lists it with its artifacts.
    const page = await historyFor(store).list('team-a', { kind: 'agenttask' });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ kind: 'agenttask', name: 'fix-1', attempt: 2, outcome: 'Failed', template: 'scripted', finishedAt: '2026-12-05T11:59:00Z', artifactCount: 3, message: 'MaxAttemptsReached' });
    expect(needsPublishing({ ...t, status: st })).toBe(false);
  });

  it('without transcripts publishes the report alone; a store that fails is the condition (retried), nothing thrown', async () => {
    const t = task({ phase: 'Succeeded', outcome: 'PullRequestOpened', attempt: 1 });
    const ok = await publishTaskArtifacts({ task: t, store: async () => store, now });
    expect(ok.artifacts?.map((a) => a.name)).toEqual(['1/report.json']);
    const failed = await publishTaskArtifacts({ task: t, store: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')), now });
    expect(failed.conditions?.find((c) => c.type === 'ArtifactsPublished')).toMatchObject({ status: 'False', reason: 'ArtifactsFailed', message: 'cannot publish the artifacts: connect ECONNREFUSED 127.0.0.1:9' });
    expect(needsPublishing({ ...t, status: failed })).toBe(true);
  });

  it('a task that has not ended publishes nothing', () => {
    expect(needsPublishing(task({ phase: 'Reviewing', attempt: 1 }))).toBe(false);
    expect(needsPublishing(task({ phase: 'Running', attempt: 1 }))).toBe(false);
  });
});
