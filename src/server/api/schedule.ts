import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { withDefaults } from '../../api/defaults.js';
import { validate } from '../../api/validate.js';
import type { Workload } from '../../api/workload/types.js';
import { WORKLOADS } from '../../api/resources.js';
import { errorMessage, statusCode, type RestClient } from '../../runtime/index.js';
import { placementRequest } from '../../scheduler/convert.js';
import type { SchedulingState } from '../../placement/state.js';
import { denialSchema, errorSchema } from '../schemas.js';

export interface ScheduleDeps {
  scheduling: SchedulingState;
  rest: RestClient;
}

const candidate = { type: 'object', required: ['cluster', 'node', 'score'], properties: { cluster: { type: 'string', description: 'OrgCluster as namespace/name.' }, node: { type: 'string', description: 'MeshNode name.' }, score: { type: 'number', minimum: 0, maximum: 100 } } } as const;

export const scheduleRequestSchema = {
  $id: 'ScheduleRequest',
  type: 'object',
  description: 'A Workload to place; with dryRun only the decision is returned.',
  required: ['workload'],
  properties: {
    workload: { type: 'object', additionalProperties: true, description: 'A Workload manifest (weft.dev/v1alpha1). metadata.namespace defaults to "default"; metadata.generateName works.' },
    dryRun: { type: 'boolean', default: false, description: 'Only decide; create nothing.' },
  },
} as const;

export const scheduleReplySchema = {
  $id: 'ScheduleReply',
  type: 'object',
  description: 'The placement decision, every rejected candidate with its reason, and the Workload created (unless dryRun).',
  required: ['placed', 'rejected', 'message', 'dryRun'],
  properties: {
    placed: { type: 'boolean', description: 'Whether a candidate fits.' },
    decision: candidate,
    rejected: {
      type: 'array',
      items: { type: 'object', required: ['candidate', 'reason', 'filter'], properties: { candidate: { type: 'string', description: 'namespace/name of an OrgCluster, or namespace/name@node.' }, filter: { type: 'string', description: 'The filter that rejected it, e.g. InsufficientGPU.' }, reason: { type: 'string' } } },
    },
    alternatives: { type: 'array', items: candidate, description: 'Feasible candidates that scored lower, best first.' },
    message: { type: 'string', description: 'One-line summary, as in the Workload\'s Scheduled condition.' },
    dryRun: { type: 'boolean' },
    workload: { type: 'object', required: ['namespace', 'name'], properties: { namespace: { type: 'string' }, name: { type: 'string' }, uid: { type: 'string' } }, description: 'The Workload created (absent for dryRun).' },
  },
} as const;

const fieldErrorsSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' }, statusCode: { type: 'integer' }, fields: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } } },
} as const;

/**
 * The apiserver's (or an admission webhook's) refusal of the create is the caller's answer, with
 * its message; anything else is a server error.
 */
function refusal(reply: FastifyReply, err: unknown): FastifyReply {
  const message = errorMessage(err);
  switch (statusCode(err)) {
    case 403:
      return reply.code(403).send({ error: 'Forbidden', statusCode: 403, message, reason: message, rule: null });
    case 409:
      return reply.code(409).send({ error: 'AlreadyExists', statusCode: 409, message });
    case 400:
    case 422:
      return reply.code(400).send({ error: 'BadRequest', statusCode: 400, message });
    default:
      throw err;
  }
}

/** The namespace the Workload of a schedule request names ("default" when none). */
function workloadNamespace(body: unknown): string {
  return (body as { workload?: { metadata?: { namespace?: string } } } | undefined)?.workload?.metadata?.namespace ?? 'default';
}

/**
 * `POST /api/v1/schedule`: place a Workload with the operator's engine. dryRun answers the decision
 * only; otherwise the Workload is created already placed (the controller records the same decision
 * and creates its pod), or Pending with the reasons when nothing fits.
 */
export function registerScheduleApi(app: FastifyInstance, deps: ScheduleDeps): void {
  if (!app.getSchema('Error')) app.addSchema(errorSchema);
  if (!app.getSchema('Denial')) app.addSchema(denialSchema);
  app.addSchema(scheduleRequestSchema);
  app.addSchema(scheduleReplySchema);
  app.post('/api/v1/schedule', {
    // Placing a Workload (dry run or not) is creating one, in the namespace it names.
    config: { weftAccess: (req) => [{ verb: 'create', resource: 'workloads', namespace: workloadNamespace(req.body) }], weftDeviceWrite: true },
    schema: {
      tags: ['mesh'],
      summary: 'Place a Workload (dryRun: only explain where it would go)',
      operationId: 'scheduleWorkload',
      body: { $ref: 'ScheduleRequest#' },
      response: { 200: { $ref: 'ScheduleReply#' }, 201: { $ref: 'ScheduleReply#' }, 400: fieldErrorsSchema, 403: { $ref: 'Denial#' }, 409: { $ref: 'Error#' } },
    },
    handler: async (req, reply) => {
      const body = req.body as { workload: Record<string, unknown>; dryRun?: boolean };
      const dryRun = body.dryRun ?? false;
      const { generateName, ...meta } = (body.workload.metadata ?? {}) as { name?: string; generateName?: string; namespace?: string };
      const namespace = workloadNamespace(body);
      const name = meta.name ?? (generateName ? `${generateName}${randomBytes(3).toString('hex').slice(0, 5)}` : undefined);
      if (!name) return reply.code(400).send({ error: 'BadRequest', statusCode: 400, message: 'workload.metadata.name (or generateName) is required', fields: [{ field: 'workload.metadata.name', message: 'required' }] });
      const manifest = withDefaults('Workload', {
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'Workload',
        ...body.workload,
        metadata: { ...meta, name, namespace },
        status: undefined,
      }) as Workload & KubernetesObject;
      const errors = validate('Workload', manifest);
      if (errors.length > 0) {
        return reply.code(400).send({
          error: 'BadRequest',
          statusCode: 400,
          message: `workload is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
          fields: errors.map((e) => ({ field: `workload.${e.field}`, message: e.message })),
        });
      }
      const request = placementRequest(manifest);
      const id = `${namespace}/${name}`;
      if (dryRun) {
        const d = deps.scheduling.engine.evaluate(request);
        return reply.code(200).send({ ...d, dryRun });
      }
      if (deps.scheduling.engine.binding(id) || deps.scheduling.workloads.get(id)) {
        return reply.code(409).send({ error: 'AlreadyExists', statusCode: 409, message: `Workload ${id} already exists: pick another metadata.name, or use generateName` });
      }
      const d = deps.scheduling.placeAhead(request);
      let created: KubernetesObject;
      try {
        created = await deps.rest.create(WORKLOADS, manifest);
      } catch (err) {
        deps.scheduling.unbind(id);
        return refusal(reply, err);
      }
      return reply.code(201).send({ ...d, dryRun, workload: { namespace, name, uid: created.metadata?.uid } });
    },
  });
}
