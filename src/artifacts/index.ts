/**
 * What the Job and AgentTask controllers use of the artifact layer (docs/artifacts.md):
 * - the pod runs `weft artifacts upload … ` (see `src/cli/artifacts.ts`), which prints an
 *   {@link ArtifactManifest}; its `artifacts` go into `status.artifacts` unchanged;
 * - when a run finishes, {@link recordRun} writes its record to the history outside etcd.
 */
import { HistoryIndex, type RunRecord } from './history.js';
import type { ArtifactStore } from './store.js';

export { ARTIFACT_KINDS, artifactPath, historyArtifacts, parseDest, type ArtifactKind, type ArtifactManifest, type ManifestArtifact, type ManifestRefusal } from './manifest.js';
export { specDigest } from './history-model.js';
export { HistoryIndex, type HistoryEntry, type HistoryFilter, type HistoryPage, type HistoryQuery, type RunOutcome, type RunRecord } from './history.js';
export { openStore, parseStoreSecret, type StoreConfig } from './config.js';
export { ArtifactConfigError, ArtifactStoreError } from './errors.js';
export { artifactKey, runPrefix, type ArtifactStore, type RunRef } from './store.js';
export type { ArtifactEntry } from './uploader.js';

const indexes = new WeakMap<ArtifactStore, HistoryIndex>();

/**
 * The one {@link HistoryIndex} of a store in this process: writes to a namespace are serialised and
 * index segments are cached across calls (the history API and {@link recordRun} share it).
 */
export function historyFor(store: ArtifactStore): HistoryIndex {
  let h = indexes.get(store);
  if (!h) {
    h = new HistoryIndex(store);
    indexes.set(store, h);
  }
  return h;
}

/**
 * Records a finished run (Job or AgentTask) in the store's history, where it outlives the object:
 * call it once per attempt when the run reaches a final outcome. Idempotent per
 * (finishedAt, kind, name, attempt), so a retried reconcile does not duplicate it. Returns the run's id.
 *
 * @example
 * await recordRun(store, {
 *   namespace: 'team-a', kind: 'job', name: 'build-1', attempt: 1, template: 'ci-runner', org: 'acme',
 *   specDigest: 'sha256:…', outcome: 'Succeeded', startedAt, finishedAt,
 *   artifacts: historyArtifacts(manifest),
 *   traceId: job.status?.traceId,
 * });
 */
export async function recordRun(store: ArtifactStore, run: RunRecord): Promise<string> {
  return historyFor(store).record(run);
}
