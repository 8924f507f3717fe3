import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, jobServiceAccountName, taskServiceAccountName, type TokenIdentity } from '../../agents/gateway/identity.js';
import { ArtifactStoreError } from '../../artifacts/errors.js';
import { artifactPath } from '../../artifacts/manifest.js';
import type { ArtifactKind } from '../../artifacts/manifest.js';
import { artifactKey, type ArtifactStore, type RunRef } from '../../artifacts/store.js';
import { errorMessage } from '../../runtime/index.js';
import { sendError, storeFailure } from './replies.js';
import { UploadMismatchError, VerifyingStream } from './verify-stream.js';

/** Route parameters of `/api/v1/artifacts/<namespace>/<kind>/<name>/<attempt>/<path>`. */
export interface ArtifactParams {
  namespace: string;
  kind: ArtifactKind;
  name: string;
  attempt: string;
  '*': string;
}

/** What the upload handler needs (see `ArtifactRouteDeps`). */
export interface UploadContext {
  verify: (token: string) => Promise<TokenIdentity | undefined>;
  storeFor: (ref: { namespace: string; kind: ArtifactKind; name: string }) => Promise<ArtifactStore>;
  maxObjectBytes: number;
}

/** The ServiceAccount whose tokens may upload a run's artifacts. */
export function uploaderServiceAccount(kind: ArtifactKind, name: string): string {
  return kind === 'job' ? jobServiceAccountName(name) : taskServiceAccountName(name);
}

/** The run and key of a request, or a 400 message naming the bad part. */
export function runOf(p: ArtifactParams): { ref: RunRef & { kind: ArtifactKind }; path: string; key: string } | { problem: string } {
  const ref = { namespace: p.namespace, kind: p.kind, name: p.name, attempt: Number(p.attempt) };
  try {
    return { ref, path: p['*'], key: artifactKey(ref, p['*']) };
  } catch (err) {
    return { problem: `artifact ${p.namespace}/${p.kind}/${p.name}/${p.attempt}/${p['*']}: ${errorMessage(err)}` };
  }
}

/**
 * `PUT /api/v1/artifacts/…`: a pod uploads one artifact of its own run. The pod's projected
 * ServiceAccount token (audience `weft`) must belong to the run's ServiceAccount
 * (`weft-job-<job>` / `weft-task-<task>`, in the run's namespace); `content-length` and
 * `x-weft-sha256` are required; the body is streamed to the store (never buffered) and checked
 * against both. The store's credentials never leave the operator.
 */
export async function handleUpload(ctx: UploadContext, req: FastifyRequest<{ Params: ArtifactParams }>, reply: FastifyReply): Promise<FastifyReply> {
  const token = bearerToken(req.headers);
  if (!token) return sendError(reply, 401, 'Unauthorized', "no bearer token: send the pod's projected ServiceAccount token (audience weft) as Authorization: Bearer …");
  let who: TokenIdentity | undefined;
  try {
    who = await ctx.verify(token);
  } catch (err) {
    return sendError(reply, 503, 'ServiceUnavailable', `cannot review the token with the apiserver (TokenReview): ${errorMessage(err)}`);
  }
  if (!who) return sendError(reply, 401, 'Unauthorized', 'the apiserver did not accept the token for audience "weft": mount a projected ServiceAccount token with audience weft (see docs/artifacts.md)');
  const run = runOf(req.params);
  if ('problem' in run) return sendError(reply, 400, 'BadRequest', run.problem);
  const sa = uploaderServiceAccount(run.ref.kind, run.ref.name);
  if (who.namespace !== run.ref.namespace || who.serviceAccount !== sa) {
    return sendError(reply, 403, 'Forbidden', `the token of ServiceAccount ${who.namespace}/${who.serviceAccount} may not upload artifacts of ${run.ref.kind} ${run.ref.namespace}/${run.ref.name} (only ${run.ref.namespace}/${sa} may)`);
  }
  const declared = declaredContent(req, ctx.maxObjectBytes);
  if ('status' in declared) return sendError(reply, declared.status, declared.error, `artifact "${run.path}": ${declared.message}`);
  let store: ArtifactStore;
  try {
    store = await ctx.storeFor(run.ref);
  } catch (err) {
    return sendError(reply, 500, 'StoreNotConfigured', `artifact store of ${run.ref.kind} ${run.ref.namespace}/${run.ref.name}: ${errorMessage(err)}`);
  }
  // Hash here only when the store would not check the whole object against the declared digest.
  const check = new VerifyingStream({ ...declared, what: `artifact "${run.path}"`, hash: !store.verifiesSha256?.(declared.size) });
  try {
    await Promise.all([pipeline(req.body as Readable, check), store.put(run.key, check, declared)]);
  } catch (err) {
    check.destroy();
    const cause = check.failure ?? err;
    if (cause instanceof UploadMismatchError) return sendError(reply, 400, 'ContentMismatch', cause.message);
    if (cause instanceof ArtifactStoreError && cause.code === 'ChecksumMismatch') {
      return sendError(reply, 400, 'ContentMismatch', `artifact "${run.path}": the content does not match x-weft-sha256 declared ${declared.sha256} (${cause.message})`);
    }
    return storeFailure(reply, err);
  }
  req.log.info({ key: run.key, size: declared.size, serviceAccount: `${who.namespace}/${who.serviceAccount}` }, 'artifact uploaded');
  return reply.code(201).send({ name: run.path, key: run.key, size: declared.size, digest: `sha256:${declared.sha256}`, url: artifactPath(run.ref, run.path) });
}

type Declared = { size: number; sha256: string } | { status: number; error: string; message: string };

function declaredContent(req: FastifyRequest, max: number): Declared {
  const len = req.headers['content-length'];
  if (len === undefined || !/^\d+$/.test(len)) return { status: 411, error: 'LengthRequired', message: 'content-length is required (the uploader sends the file size)' };
  const size = Number(len);
  if (size > max) return { status: 413, error: 'TooLarge', message: `${size} bytes is over the operator's limit of ${max} bytes per object (--artifact-max-object-bytes)` };
  const sha = req.headers['x-weft-sha256'];
  const sha256 = (Array.isArray(sha) ? sha[0] : sha)?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(sha256)) return { status: 400, error: 'BadRequest', message: 'header x-weft-sha256 must be the 64-hex-digit sha256 of the content' };
  return { size, sha256 };
}
