import { Agent, request } from 'undici';
import { artifactPath, type ArtifactKind, type ArtifactManifest, type ManifestArtifact } from './manifest.js';
import { runPrefix, type RunRef } from './store.js';
import { collectArtifacts, uploadBody, type LocalArtifact } from './uploader.js';
import { forEachPooled } from './pool.js';

/** Options of {@link uploadThroughOperator}. */
export interface OperatorUploadOptions {
  /** The operator's base URL as the pod reaches it, e.g. `http://weft-operator.weft-system.svc:8080`. */
  operator: string;
  /** The pod's projected ServiceAccount token (audience `weft`). */
  token: string;
  dest: RunRef & { kind: ArtifactKind };
  /** Patterns are relative to it; nothing outside it is uploaded. */
  workspace: string;
  patterns: readonly string[];
  /** Per-file limit (the Job's); larger files are refused with a message. */
  maxFileBytes: number;
  maxTotalBytes?: number;
  /** Files in flight at once (default 4). */
  concurrency?: number;
}

/** A failed upload: the operator's status and message (which names the cause and the fix). */
export class OperatorUploadError extends Error {
  constructor(
    readonly path: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'OperatorUploadError';
  }
}

/**
 * The pod side of artifact publishing: expands the patterns in the workspace (refusing traversal,
 * symlinks out of it and oversize files), digests each file and streams it to the operator's
 * `PUT /api/v1/artifacts/…` route, which writes it to the store with credentials the pod never
 * sees. Returns the {@link ArtifactManifest} (`ok: false` when anything was refused or failed;
 * uploads stop at the first failure).
 *
 * @example
 * const m = await uploadThroughOperator({ operator, token, dest: parseDest('team-a/job/build-1/1'), workspace: '/workspace', patterns: ['reports/*.xml'], maxFileBytes: 1 << 30 });
 */
export async function uploadThroughOperator(o: OperatorUploadOptions): Promise<ArtifactManifest> {
  runPrefix(o.dest); // names a bad namespace, name or attempt before any work
  const { files, refused } = await collectArtifacts({ workspace: o.workspace, patterns: o.patterns, maxFileBytes: o.maxFileBytes, maxTotalBytes: o.maxTotalBytes, digest: false });
  const base = o.operator.replace(/\/+$/, '');
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: o.concurrency ?? 4 });
  const artifacts: ManifestArtifact[] = [];
  let error: string | undefined;
  try {
    await forEachPooled(files, o.concurrency ?? 4, async (f) => void artifacts.push(await putOne(base, o, f, dispatcher)));
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  } finally {
    await dispatcher.close();
  }
  artifacts.sort((a, b) => (a.name < b.name ? -1 : 1));
  const manifest: ArtifactManifest = { apiVersion: 'weft.dev/v1alpha1', kind: 'ArtifactManifest', dest: o.dest, artifacts, refused, ok: !error && refused.length === 0 };
  if (error) manifest.error = error;
  return manifest;
}

async function putOne(base: string, o: OperatorUploadOptions, f: LocalArtifact, dispatcher: Agent): Promise<ManifestArtifact> {
  const { body, sha256 } = await uploadBody(f);
  const url = artifactPath(o.dest, f.path);
  let res;
  try {
    res = await request(base + url, {
      method: 'PUT',
      dispatcher,
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/octet-stream', 'content-length': String(f.size), 'x-weft-sha256': sha256 },
      body,
    });
  } catch (err) {
    throw new OperatorUploadError(f.path, 0, `artifact "${f.path}": cannot reach the operator at ${base} (--operator): ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.body.text();
  if (res.statusCode !== 201) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new OperatorUploadError(f.path, res.statusCode, `artifact "${f.path}": the operator answered ${res.statusCode}: ${message}`);
  }
  return { name: f.path, url, digest: `sha256:${sha256}`, size: f.size };
}
