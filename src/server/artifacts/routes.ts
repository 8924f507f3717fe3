import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { kubeTokenReview } from '../../agents/gateway/kube.js';
import { TokenVerifier } from '../../agents/gateway/token-cache.js';
import { historyFor } from '../../artifacts/index.js';
import { ARTIFACT_KINDS, type ArtifactKind } from '../../artifacts/manifest.js';
import type { RunOutcome } from '../../artifacts/history.js';
import type { ArtifactStore } from '../../artifacts/store.js';
import type { RestClient } from '../../runtime/index.js';
import type { Permission } from '../dashboard/access.js';
import { registerAccessGuard } from '../dashboard/guard.js';
import { sendError, storeFailure } from './replies.js';
import { handleUpload, runOf, type ArtifactParams } from './upload.js';

/** Default per-object upload limit: 5 GiB (S3's single-PUT limit; larger needs the flag). */
export const DEFAULT_MAX_OBJECT_BYTES = 5 * 1024 ** 3;

/** Which store holds a namespace's artifacts and history (or one run's, when kind and name are given). */
export type StoreResolver = (scope: { namespace: string; kind?: ArtifactKind; name?: string }) => Promise<ArtifactStore>;

/** What {@link registerArtifactRoutes} needs from the operator. */
export interface ArtifactRouteDeps {
  /** The operator's client: TokenReviews (pod uploads) and, through the access guard, SubjectAccessReviews. */
  rest: RestClient;
  /** The store of a run or a namespace, built from a Secret the operator alone reads. */
  storeFor: StoreResolver;
  /** Largest object a pod may upload, in bytes (default {@link DEFAULT_MAX_OBJECT_BYTES}). */
  maxObjectBytes?: number;
  /** Verifies pod tokens (default: TokenReview with audience `weft`, answers cached 60 s). */
  verifier?: Pick<TokenVerifier, 'verify'>;
}

const RESOURCE: Record<ArtifactKind, string> = { job: 'jobs', agenttask: 'agenttasks' };
const ARTIFACT_ROUTE = '/api/v1/artifacts/:namespace/:kind/:name/:attempt/*';
const OUTCOMES: RunOutcome[] = ['Succeeded', 'Failed', 'Cancelled', 'TimedOut', 'ArtifactsFailed'];

const paramsSchema = {
  type: 'object',
  required: ['namespace', 'kind', 'name', 'attempt', '*'],
  properties: {
    namespace: { type: 'string', description: 'namespace of the Job or AgentTask' },
    kind: { type: 'string', enum: [...ARTIFACT_KINDS], description: 'job or agenttask' },
    name: { type: 'string' },
    attempt: { type: 'string', pattern: '^[0-9]+$', description: 'run attempt, 1 for the first' },
    '*': { type: 'string', minLength: 1, description: 'workspace-relative path of the artifact' },
  },
} as const;

interface HistoryQuerystring {
  namespace: string;
  kind?: ArtifactKind;
  limit?: number;
  cursor?: string;
  template?: string;
  org?: string;
  outcome?: RunOutcome;
}

const historyQuerySchema = {
  type: 'object',
  required: ['namespace'],
  additionalProperties: false,
  properties: {
    namespace: { type: 'string', minLength: 1, description: 'the namespace whose runs to list (required)' },
    kind: { type: 'string', enum: [...ARTIFACT_KINDS], description: 'only runs of this kind' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    cursor: { type: 'string', description: 'the `next` of the previous page' },
    template: { type: 'string' },
    org: { type: 'string' },
    outcome: { type: 'string', enum: OUTCOMES },
  },
} as const;

/**
 * `get <kind>s` on the run's object: who may read a Job may read its artifacts. An AgentTask's LLM
 * transcript needs what `GET /api/v1/agenttasks/{ns}/{name}/transcript` needs: `get agenttasks/transcript`.
 */
function readAccess(req: FastifyRequest): Permission[] {
  const p = req.params as ArtifactParams;
  const transcript = p.kind === 'agenttask' && /(^|\/)transcript\.jsonl$/.test(p['*']);
  return [{ verb: 'get', resource: RESOURCE[p.kind] ?? 'jobs', ...(transcript ? { subresource: 'transcript' } : {}), namespace: p.namespace, name: p.name }];
}

/** `list <kind>s` in the namespace (both kinds when no kind is asked for). */
function historyAccess(req: FastifyRequest): Permission[] {
  const q = req.query as HistoryQuerystring;
  const kinds = q.kind ? [q.kind] : ARTIFACT_KINDS;
  return kinds.map((k) => ({ verb: 'list', resource: RESOURCE[k], namespace: q.namespace }));
}

/**
 * The artifact and history API of the operator (docs/artifacts.md):
 * - `PUT /api/v1/artifacts/<ns>/<kind>/<name>/<attempt>/<path>`: a pod uploads its run's artifact
 *   with its projected ServiceAccount token (audience `weft`); streamed, size and sha256 checked.
 * - `GET` on the same path: downloads it, streamed; needs RBAC `get` on the Job/AgentTask.
 * - `GET /api/v1/history?namespace=&kind=&limit=&cursor=`: runs newest first, from the history
 *   outside etcd; needs RBAC `list` on the kind in the namespace.
 * Registers the access guard if it is not yet. Store credentials stay in the operator.
 *
 * @example registerArtifactRoutes(app, { rest, storeFor: async () => store });
 */
export function registerArtifactRoutes(app: FastifyInstance, deps: ArtifactRouteDeps): void {
  registerAccessGuard(app, { rest: deps.rest, log: app.log });
  const verifier = deps.verifier ?? new TokenVerifier({ review: kubeTokenReview(deps.rest) });
  const maxObjectBytes = deps.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  // An encapsulated context: uploads are streams, not parsed bodies, without touching other routes.
  void app.register(async (api) => {
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    api.put<{ Params: ArtifactParams }>(ARTIFACT_ROUTE, {
      config: { weftPodToken: true },
      bodyLimit: maxObjectBytes,
      schema: { tags: ['artifacts'], summary: "Upload one artifact of a pod's own run (projected ServiceAccount token, audience weft)", operationId: 'putArtifact', params: paramsSchema },
      handler: (req, reply) => handleUpload({ verify: (t) => verifier.verify(t), storeFor: deps.storeFor, maxObjectBytes }, req, reply),
    });
    api.get<{ Params: ArtifactParams }>(ARTIFACT_ROUTE, {
      config: { weftAccess: readAccess },
      schema: { tags: ['artifacts'], summary: 'Download one artifact (streamed); RBAC get on the Job or AgentTask', operationId: 'getArtifact', params: paramsSchema },
      handler: (req, reply) => download(deps.storeFor, req, reply),
    });
    api.get<{ Querystring: HistoryQuerystring }>('/api/v1/history', {
      config: { weftAccess: historyAccess },
      schema: { tags: ['artifacts'], summary: 'Finished runs of Jobs and AgentTasks, newest first, kept outside etcd', operationId: 'listHistory', querystring: historyQuerySchema },
      handler: async (req, reply) => {
        const { namespace, cursor, limit, ...filter } = req.query;
        try {
          const page = await historyFor(await deps.storeFor({ namespace })).list(namespace, { ...filter, limit, cursor });
          return reply.send(page);
        } catch (err) {
          if (err instanceof TypeError) return sendError(reply, 400, 'BadRequest', `history of namespace "${namespace}": ${err.message}`);
          return storeFailure(reply, err);
        }
      },
    });
  });
}

async function download(storeFor: StoreResolver, req: FastifyRequest<{ Params: ArtifactParams }>, reply: FastifyReply): Promise<FastifyReply> {
  const run = runOf(req.params);
  if ('problem' in run) return sendError(reply, 400, 'BadRequest', run.problem);
  try {
    const obj = await (await storeFor(run.ref)).get(run.key);
    reply.header('content-type', 'application/octet-stream').header('content-length', obj.size);
    if (obj.sha256) reply.header('x-weft-sha256', obj.sha256).header('digest', `sha-256=${Buffer.from(obj.sha256, 'hex').toString('base64')}`);
    return reply.send(obj.body);
  } catch (err) {
    return storeFailure(reply, err);
  }
}
