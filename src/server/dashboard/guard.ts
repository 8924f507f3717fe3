import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { WEFT_GROUP } from '../../api/resources.js';
import { errorMessage } from '../../runtime/index.js';
import { describePermission, WRITES, type Authorizer, type Permission } from './access.js';
import { bearerToken, certificateUser, isTls, type AuthMethod, type Authenticator, type UserInfo } from './identity.js';

/** The permissions a route needs, from the request (e.g. the node named in the path). */
export type RouteAccess = (req: FastifyRequest) => Permission[];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on routes that need an authenticated, RBAC-authorized caller. */
    weftAccess?: RouteAccess;
  }
}

/** The control-plane writes that predate the dashboard, and the permission each needs. */
const EXISTING_WRITES: Record<string, RouteAccess> = {
  'POST /api/v1/nodes/:name/cordon': (req) => [WRITES.cordon((req.params as { name: string }).name)],
  'POST /api/v1/nodes/:name/uncordon': (req) => [WRITES.uncordon((req.params as { name: string }).name)],
  // Placing a Workload (dry run or not) is creating one, in the namespace it names.
  'POST /api/v1/schedule': (req) => {
    const ns = ((req.body as { workload?: { metadata?: { namespace?: string } } } | undefined)?.workload?.metadata?.namespace) ?? 'default';
    return [{ verb: 'create', resource: 'workloads', namespace: ns }];
  },
};

export interface GuardOptions {
  authn: Authenticator;
  authz: Authorizer;
  log: Logger;
  /**
   * The tailnet ACL guard authorizes writes by device identity (mesh with MeshACL): a write with no
   * bearer token is then left to it, as before the dashboard existed.
   */
  deviceAuthorization?: boolean;
}

const callers = new WeakMap<FastifyRequest, { user: UserInfo; via: AuthMethod }>();

/** The authenticated caller of a guarded request (set by the guard). */
export function callerOf(req: FastifyRequest): { user: UserInfo; via: AuthMethod } | undefined {
  return callers.get(req);
}

/** Replies 401 with the reason and how to sign in. */
export function unauthorized(reply: FastifyReply, why: string): FastifyReply {
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer realm="weft"')
    .send({ error: 'Unauthorized', statusCode: 401, message: `authentication required: ${why}` });
}

/**
 * Authenticates and authorizes every route that declares `config.weftAccess`, and the cordon and
 * uncordon writes: 401 without valid credentials, 403 naming the missing RBAC permission, 503 when
 * the apiserver cannot review. Over HTTPS a client certificate from the operator CA is required.
 */
export function registerAccessGuard(app: FastifyInstance, o: GuardOptions): void {
  app.addHook('preHandler', async (req, reply) => {
    const existing = EXISTING_WRITES[`${req.method} ${req.routeOptions.url}`];
    const access = req.routeOptions.config.weftAccess ?? existing;
    if (!access) return;
    if (existing && o.deviceAuthorization && !bearerToken(req)) return; // the tailnet ACL guard decides
    if (isTls(req) && !certificateUser(req)) {
      return unauthorized(reply, 'this operator serves HTTPS, and its API needs a client certificate issued by the operator CA (Secret weft-ca); see docs/dashboard.md');
    }
    try {
      const who = await o.authn.authenticate(req);
      if (!who.user) return unauthorized(reply, who.why);
      const missing = await o.authz.firstMissing(who.user, access(req));
      if (missing) return forbidden(reply, who.user, missing);
      callers.set(req, { user: who.user, via: who.via });
      if (req.method !== 'GET') o.log.info({ user: who.user.username, via: who.via, method: req.method, url: req.url }, 'RBAC allowed a write');
    } catch (err) {
      return reply.code(503).send({ error: 'ServiceUnavailable', statusCode: 503, message: errorMessage(err) });
    }
  });
}

function forbidden(reply: FastifyReply, user: UserInfo, p: Permission): FastifyReply {
  const what = describePermission(p);
  const reason = `user "${user.username}" lacks the RBAC permission ${what}; bind a Role or ClusterRole that grants it (e.g. weft-editor)`;
  return reply.code(403).send({
    error: 'Forbidden',
    statusCode: 403,
    message: `forbidden: ${reason}`,
    reason,
    rule: null,
    missing: { verb: p.verb, group: p.group ?? WEFT_GROUP, resource: p.resource, ...(p.namespace ? { namespace: p.namespace } : {}), ...(p.name ? { name: p.name } : {}) },
  });
}
