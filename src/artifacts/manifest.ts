import { artifactKey, type RunRef } from './store.js';
import type { ArtifactEntry } from './uploader.js';

/** The kinds whose runs have artifacts, as they appear in keys and URLs (lower-case singular). */
export const ARTIFACT_KINDS = ['job', 'agenttask'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/**
 * One uploaded artifact, in the shape of `status.artifacts[]` of a Job (`PublishedArtifact`): the
 * controller copies {@link ArtifactManifest.artifacts} into status as is.
 */
export interface ManifestArtifact {
  /** Workspace-relative path, `/`-separated (also the key suffix in the store). */
  name: string;
  /** The operator URL that downloads it (`GET /api/v1/artifacts/…`, RBAC-checked). */
  url: string;
  /** `sha256:<64 hex>`. */
  digest: string;
  size: number;
}

/** An artifact the uploader refused, with the message naming the path and the rule. */
export interface ManifestRefusal {
  reason: string;
  path: string;
  message: string;
}

/**
 * What `weft artifacts upload` prints on stdout (one JSON document): where the files went, the
 * entries for `status.artifacts`, and what was refused. `ok` is false when anything was refused or
 * failed; the CLI then exits 1 after printing it, so a pod's last step can both record and fail.
 */
export interface ArtifactManifest {
  apiVersion: 'weft.dev/v1alpha1';
  kind: 'ArtifactManifest';
  dest: RunRef;
  artifacts: ManifestArtifact[];
  refused: ManifestRefusal[];
  /** The first upload error, when one failed (the files before it are in `artifacts`). */
  error?: string;
  ok: boolean;
}

/**
 * Parses `ns/kind/name/attempt` (the CLI's `--dest`), naming the part that is wrong.
 * @example parseDest('team-a/job/build-1/2') // { namespace: 'team-a', kind: 'job', name: 'build-1', attempt: 2 }
 */
export function parseDest(dest: string): RunRef & { kind: ArtifactKind } {
  const parts = dest.split('/');
  if (parts.length !== 4) throw new TypeError(`"${dest}": expected namespace/kind/name/attempt, e.g. team-a/job/build-1/1`);
  const [namespace, kind, name, attempt] = parts as [string, string, string, string];
  if (!(ARTIFACT_KINDS as readonly string[]).includes(kind)) throw new TypeError(`"${dest}": kind "${kind}" is not one of ${ARTIFACT_KINDS.join(', ')}`);
  if (!/^\d+$/.test(attempt)) throw new TypeError(`"${dest}": attempt "${attempt}" is not a non-negative integer`);
  return { namespace, kind: kind as ArtifactKind, name, attempt: Number(attempt) };
}

/** The operator path of one artifact: `/api/v1/artifacts/<namespace>/<kind>/<name>/<attempt>/<path>`, each segment escaped. */
export function artifactPath(ref: RunRef, path: string): string {
  const segs = [ref.namespace, ref.kind, ref.name, String(ref.attempt), ...path.split('/')];
  return `/api/v1/artifacts/${segs.map(encodeURIComponent).join('/')}`;
}

/**
 * The manifest's artifacts as a history record lists them ({@link RunRecord}`.artifacts`).
 * @example await recordRun(store, { ...run, artifacts: historyArtifacts(manifest) });
 */
export function historyArtifacts(m: Pick<ArtifactManifest, 'dest' | 'artifacts'>): ArtifactEntry[] {
  return m.artifacts.map((a) => ({ path: a.name, key: artifactKey(m.dest, a.name), size: a.size, sha256: a.digest.replace(/^sha256:/, '') }));
}
