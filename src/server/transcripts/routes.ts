/**
 * `GET /api/v1/agenttasks/<ns>/<task>/transcript?attempt=N`: the LLM transcript of one attempt of
 * an AgentTask (JSONL, secrets already redacted by the gateway), streamed from the operator's
 * transcript directory. Transcripts hold prompts and code, so reading one needs its own RBAC
 * permission: `get` on the subresource `agenttasks/transcript` (the weft-editor ClusterRole has it;
 * the viewer role does not). docs/agenttask.md.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Permission } from '../dashboard/access.js';
import { registerAccessGuard } from '../dashboard/guard.js';
import type { RestClient } from '../../runtime/index.js';

type Params = { namespace: string; name: string };
const NAME = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' } as const;

function access(req: FastifyRequest): Permission[] {
  const p = req.params as Params;
  return [{ verb: 'get', resource: 'agenttasks', subresource: 'transcript', namespace: p.namespace, name: p.name }];
}

/** The attempts of a task that have a transcript, newest first. */
export async function transcriptAttempts(dir: string, p: Params): Promise<number[]> {
  const files = await readdir(join(dir, p.namespace, p.name)).catch(() => [] as string[]);
  return files.map((f) => /^attempt-(\d+)\.jsonl$/.exec(f)?.[1]).filter((n): n is string => n !== undefined).map(Number).sort((a, b) => b - a);
}

/**
 * Registers the transcript route (and the access guard if it is not yet).
 * @example registerTranscriptRoutes(app, { rest, dir: '/var/lib/weft/transcripts' })
 */
export function registerTranscriptRoutes(app: FastifyInstance, deps: { rest: RestClient; dir: string | undefined }): void {
  registerAccessGuard(app, { rest: deps.rest, log: app.log });
  app.get<{ Params: Params; Querystring: { attempt?: number } }>('/api/v1/agenttasks/:namespace/:name/transcript', {
    config: { weftAccess: access },
    schema: {
      tags: ['agents'],
      summary: 'The LLM transcript (JSONL, redacted) of an attempt of an AgentTask; RBAC get on agenttasks/transcript',
      operationId: 'getAgentTaskTranscript',
      params: { type: 'object', required: ['namespace', 'name'], properties: { namespace: NAME, name: NAME } },
      querystring: { type: 'object', properties: { attempt: { type: 'integer', minimum: 1, maximum: 100, description: 'the attempt (default: the newest with a transcript)' } } },
    },
    handler: async (req, reply) => {
      if (!deps.dir) return reply.code(404).send({ error: 'NotFound', statusCode: 404, message: 'this operator keeps no transcripts: start it with --agent-transcript-dir DIR (a volume; docs/agenttask.md)' });
      const have = await transcriptAttempts(deps.dir, req.params);
      const attempt = req.query.attempt ?? have[0];
      const what = `AgentTask ${req.params.namespace}/${req.params.name}`;
      if (attempt === undefined || !have.includes(attempt)) {
        const known = have.length ? `; attempts with one: ${have.join(', ')}` : ': it made no LLM request through the gateway yet';
        return reply.code(404).send({ error: 'NotFound', statusCode: 404, message: `${what} has no transcript${attempt === undefined ? '' : ` for attempt ${attempt}`}${known}` });
      }
      const file = join(deps.dir, req.params.namespace, req.params.name, `attempt-${attempt}.jsonl`);
      return reply.header('content-type', 'application/x-ndjson; charset=utf-8').header('content-disposition', `attachment; filename="${req.params.name}-attempt-${attempt}.jsonl"`).send(createReadStream(file));
    },
  });
}
