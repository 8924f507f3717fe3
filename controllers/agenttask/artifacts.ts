/**
 * What an AgentTask leaves behind once it ends, in the operator's artifact store (the same one Jobs
 * use): per attempt the LLM transcript the gateway wrote (`transcript.jsonl`, secrets redacted) and,
 * for the last attempt, `report.json` (outcome, last toolchain run, diagnostics, usage, change); then
 * the run record in the history index, so the task's outcome outlives the object. Written by the
 * operator, which alone has the store's keys; `status.artifacts` lists them and the condition
 * `ArtifactsPublished` says how it went (a failing store is its message, retried by the next
 * reconcile: every write is a put of the same key, so a retry duplicates nothing).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentTask, AgentTaskStatus } from '../../src/api/agenttask/types.js';
import { artifactKey, artifactPath, recordRun, specDigest, type ArtifactStore, type RunOutcome, type RunRecord } from '../../src/artifacts/index.js';
import type { ArtifactEntry } from '../../src/artifacts/uploader.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { AGENTTASKS } from '../../src/api/resources.js';
import type { storeResolver } from '../../src/artifacts/resolve.js';
import { errorMessage, isConflict, isNotFound, metaTime, setConditions, updateStatusIfChanged, type EventRecorder, type RestClient } from '../../src/runtime/index.js';

export const ARTIFACTS_CONDITION = 'ArtifactsPublished';

const ended = (t: AgentTask) => t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed';

/** Has the task ended without its artifacts published? (a failed try is retried) */
export function needsPublishing(t: AgentTask): boolean {
  return ended(t) && t.status?.conditions?.find((x) => x.type === ARTIFACTS_CONDITION)?.status !== 'True';
}

/** The history outcome of a task's status outcome. */
function runOutcome(t: AgentTask): RunOutcome {
  const o = t.status?.outcome;
  if (o === 'Cancelled') return 'Cancelled';
  if (o === 'Timeout') return 'TimedOut';
  return t.status?.phase === 'Succeeded' ? 'Succeeded' : 'Failed';
}

/** report.json: what the task came to, readable without the cluster. */
function report(t: AgentTask): Buffer {
  const s = t.status ?? {};
  const body = {
    task: `${t.metadata.namespace}/${t.metadata.name}`,
    phase: s.phase,
    outcome: s.outcome,
    attempt: s.attempt,
    branch: s.branch,
    pullRequest: s.pullRequest,
    lastRun: s.lastRun,
    diagnostics: s.diagnostics,
    usage: s.usage,
    traceId: s.traceId,
  };
  return Buffer.from(`${JSON.stringify(body, null, 2)}\n`);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface PublishOptions {
  task: AgentTask;
  store: () => Promise<ArtifactStore>;
  /** The gateway's transcript directory (`--agent-transcript-dir`), if transcripts are kept. */
  transcriptDir?: string;
  now: Date;
}

type Entry = ArtifactEntry & { attempt: number; url: string };

/** The files to publish: each attempt's transcript (when the gateway kept one), the last attempt's report. */
async function filesOf(task: AgentTask, last: number, transcriptDir: string | undefined): Promise<Array<{ attempt: number; path: string; body: Buffer }>> {
  const files: Array<{ attempt: number; path: string; body: Buffer }> = [];
  for (let attempt = 1; transcriptDir && attempt <= last; attempt++) {
    const transcript = await readFile(join(transcriptDir, task.metadata.namespace!, task.metadata.name!, `attempt-${attempt}.jsonl`)).catch(() => undefined);
    if (transcript) files.push({ attempt, path: 'transcript.jsonl', body: transcript });
  }
  files.push({ attempt: last, path: 'report.json', body: report(task) });
  return files;
}

/** The history record of the task's run (all attempts' artifacts, paths `<attempt>/<file>`). */
function runRecordOf(task: AgentTask, entries: readonly Entry[], now: Date): RunRecord {
  const created = task.metadata.creationTimestamp;
  const st = task.status ?? {};
  return {
    namespace: task.metadata.namespace!,
    kind: 'agenttask',
    name: task.metadata.name!,
    attempt: Math.max(1, st.attempt ?? 1),
    ...(task.metadata.uid ? { uid: task.metadata.uid } : {}),
    template: task.spec.agent?.driver ?? 'weft-agent',
    org: task.spec.org,
    specDigest: specDigest(task.spec),
    outcome: runOutcome(task),
    startedAt: created ? new Date(created).toISOString() : metaTime(now),
    finishedAt: st.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? metaTime(now),
    artifacts: entries.map((e) => ({ path: `${e.attempt}/${e.path}`, key: e.key, size: e.size, sha256: e.sha256 })),
    ...(st.traceId ? { traceId: st.traceId } : {}),
    ...(st.outcome ? { message: st.outcome } : {}),
  };
}

/** Uploads the task's artifacts and its run record; the status with `artifacts` and the condition. Never throws. */
export async function publishTaskArtifacts(o: PublishOptions): Promise<AgentTaskStatus> {
  const { task, now } = o;
  const last = Math.max(1, task.status?.attempt ?? 1);
  const condition = (ok: boolean, message: string) =>
    setConditions(task.status?.conditions, [{ type: ARTIFACTS_CONDITION, status: ok ? 'True' : 'False', reason: ok ? 'Published' : 'ArtifactsFailed', message }], { now, generation: task.metadata.generation });
  try {
    const store = await o.store();
    const entries: Entry[] = [];
    for (const f of await filesOf(task, last, o.transcriptDir)) {
      const ref = { namespace: task.metadata.namespace!, kind: 'agenttask', name: task.metadata.name!, attempt: f.attempt };
      const key = artifactKey(ref, f.path);
      const digest = sha256(f.body);
      await store.put(key, f.body, { size: f.body.length, sha256: digest, contentType: f.path.endsWith('.json') ? 'application/json' : 'application/x-ndjson' });
      entries.push({ attempt: f.attempt, path: f.path, key, url: artifactPath(ref, f.path), size: f.body.length, sha256: digest });
    }
    await recordRun(store, runRecordOf(task, entries, now));
    const artifacts = entries.map((e) => ({ name: `${e.attempt}/${e.path}`, url: e.url, digest: `sha256:${e.sha256}`, size: e.size }));
    return { ...task.status, artifacts, conditions: condition(true, `${artifacts.length} artifact(s) and the run record in ${store.description}`) };
  } catch (err) {
    return { ...task.status, conditions: condition(false, `cannot publish the artifacts: ${errorMessage(err)}`) };
  }
}

type Task = AgentTask & KubernetesObject;

export interface PublishDeps {
  rest: RestClient;
  informer: { observeWrite(obj: Task): void };
  events: EventRecorder;
  storeFor: ReturnType<typeof storeResolver>;
  transcriptDir?: string | undefined;
  /** Resolves when the gateway's pending transcript lines are written. */
  transcriptsWritten?: () => Promise<void>;
}

/** Publishes an ended task's artifacts and writes the status; retried every 30 s while the store fails. */
export async function publishEnded(d: PublishDeps, task: Task, log: Logger): Promise<{ requeueAfterMs: number } | undefined> {
  const ref = { namespace: task.metadata!.namespace!, kind: 'agenttask' as const, name: task.metadata!.name! };
  await d.transcriptsWritten?.();
  const status = await publishTaskArtifacts({ task, store: () => d.storeFor(ref), ...(d.transcriptDir ? { transcriptDir: d.transcriptDir } : {}), now: new Date() });
  const c = status.conditions?.find((x) => x.type === ARTIFACTS_CONDITION);
  try {
    const updated = await updateStatusIfChanged(d.rest, AGENTTASKS, task, status);
    if (updated !== task) d.informer.observeWrite(updated);
  } catch (err) {
    if (isConflict(err)) return { requeueAfterMs: 100 };
    if (isNotFound(err)) return undefined;
    throw err;
  }
  if (c?.status === 'True') {
    log.info({ artifacts: status.artifacts?.length }, 'published the artifacts');
    return undefined;
  }
  void d.events.record(task, 'Warning', 'ArtifactsFailed', c?.message ?? 'cannot publish the artifacts');
  return { requeueAfterMs: 30_000 };
}
