/**
 * The trace relay for agent pods: `POST /otlp/<ns>/<task>/v1/traces` takes the runner's step spans
 * (OTLP/JSON) with the pod's projected token, checks that every span belongs to the task's own run
 * trace (`status.traceId`), and forwards them to the operator's collector. Pods need no route to the
 * collector and cannot write into another run's trace. With tracing off the spans are dropped (204).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AgentTask } from '../../api/agenttask/index.js';
import { authenticateAgent, type AgentTokenVerifier } from './authenticate.js';
import { GatewayError } from './errors.js';
import { bearerToken, type TaskKey } from './identity.js';
import { NAME } from './routes.js';

const CHALLENGE = { routes: 'trace', wwwAuthenticate: 'Bearer realm="weft"', howToSend: 'as "Authorization: Bearer <token>"' };

export interface OtlpRelayDeps {
  verifier: AgentTokenVerifier;
  loadTask: (task: TaskKey) => Promise<AgentTask | undefined>;
  /** The collector's traces URL (`<endpoint>/v1/traces`), or undefined while tracing is off. */
  tracesUrl: string | undefined;
  log: Logger;
}

type Body = { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ traceId?: string }> }> }> };

const traceIdsOf = (b: Body) => new Set((b.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => (s.spans ?? []).map((x) => x.traceId ?? ''))));

export function registerOtlpRelay(app: FastifyInstance, deps: OtlpRelayDeps): void {
  app.post('/otlp/:namespace/:task/v1/traces', {
    bodyLimit: 1024 * 1024,
    schema: {
      tags: ['agents'],
      summary: "An agent pod's step spans (OTLP/JSON), relayed to the operator's collector under the task's run trace",
      operationId: 'agentOtlpTraces',
      params: { type: 'object', required: ['namespace', 'task'], properties: { namespace: NAME, task: NAME } },
      body: { type: 'object', required: ['resourceSpans'], properties: { resourceSpans: { type: 'array', maxItems: 16 } } },
    },
    handler: (req, reply) => relay(deps, req as FastifyRequest<{ Params: { namespace: string; task: string } }>, reply),
  });
}

async function relay(deps: OtlpRelayDeps, req: FastifyRequest<{ Params: { namespace: string; task: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const task: TaskKey = { namespace: req.params.namespace, name: req.params.task };
  try {
    await authenticateAgent(deps.verifier, { token: bearerToken(req.headers), task, challenge: CHALLENGE });
    if (!deps.tracesUrl) return reply.code(204).send();
    const obj = await deps.loadTask(task);
    if (!obj) throw new GatewayError(404, 'TaskNotFound', `AgentTask ${task.namespace}/${task.name} does not exist`);
    const ids = traceIdsOf(req.body as Body);
    const own = obj.status?.traceId;
    if (!own || [...ids].some((id) => id !== own)) throw new GatewayError(403, 'Forbidden', `spans must belong to the task's run trace (status.traceId ${own ?? 'unset'}); got ${[...ids].join(', ') || 'none'}`);
    const res = await fetch(deps.tracesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body), signal: AbortSignal.timeout(10_000) });
    if (res.status >= 300) {
      deps.log.warn({ task: `${task.namespace}/${task.name}`, status: res.status }, 'the collector refused relayed spans');
      return reply.code(502).send({ error: 'Bad Gateway', code: 'UpstreamError', message: `the collector answered ${res.status}` });
    }
    return reply.code(200).send({});
  } catch (err) {
    if (err instanceof GatewayError) return reply.code(err.status).headers(err.headers ?? {}).send({ error: err.code, code: err.code, message: err.message });
    deps.log.warn({ task: `${task.namespace}/${task.name}`, err: err instanceof Error ? err.message : String(err) }, 'cannot relay spans to the collector');
    return reply.code(502).send({ error: 'Bad Gateway', code: 'UpstreamError', message: `cannot reach the collector: ${err instanceof Error ? err.message : String(err)}` });
  }
}
