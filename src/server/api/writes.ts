import type { FastifyInstance } from 'fastify';
import { MESHNODES } from '../../api/resources.js';
import { isNotFound, type RestClient } from '../../runtime/index.js';
import { denialSchema, errorSchema } from '../schemas.js';
import { WRITES } from '../dashboard/access.js';

/**
 * Control-plane writes of the read-mostly API: cordon and uncordon a MeshNode. Guarded by RBAC
 * (`patch` on that MeshNode) and, with MeshACL, by the tailnet ACL hook (registerAclGuard).
 */
export function registerNodeWrites(app: FastifyInstance, rest: RestClient): void {
  if (!app.getSchema('Error')) app.addSchema(errorSchema);
  if (!app.getSchema('Denial')) app.addSchema(denialSchema);
  const params = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 253 } } } as const;
  const reply = {
    200: { type: 'object', required: ['name', 'unschedulable'], properties: { name: { type: 'string' }, unschedulable: { type: 'boolean' } } },
    403: { $ref: 'Denial#' },
    404: { $ref: 'Error#' },
  } as const;
  for (const [verb, unschedulable] of [['cordon', true], ['uncordon', false]] as const) {
    app.post(`/api/v1/nodes/:name/${verb}`, {
      config: { weftAccess: (req) => [WRITES[verb]((req.params as { name: string }).name)], weftDeviceWrite: true },
      schema: { tags: ['mesh'], summary: `${verb === 'cordon' ? 'Cordon' : 'Uncordon'} a MeshNode (spec.unschedulable=${unschedulable})`, operationId: `${verb}Node`, params, response: reply },
      handler: async (req, res) => {
        const { name } = req.params as { name: string };
        try {
          await rest.patch(MESHNODES, { name }, { spec: { unschedulable } });
        } catch (err) {
          if (isNotFound(err)) return res.code(404).send({ error: 'NotFound', statusCode: 404, message: `MeshNode "${name}" not found` });
          throw err;
        }
        return { name, unschedulable };
      },
    });
  }
}
