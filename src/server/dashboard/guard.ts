import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WEFT_GROUP } from '../../api/resources.js';
import { errorMessage, type RestClient } from '../../runtime/index.js';
import { describePermission, Authorizer, type Permission } from './access.js';
import { bearerToken, certificateUser, isTls, Authenticator, type AuthMethod, type UserInfo } from './identity.js';

/** The permissions a route needs, from the request (e.g. the node named in the path). */
export type RouteAccess = (req: FastifyRequest) => Permission[];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The RBAC permissions a route needs. Every route under `/api/` must declare it (http.ts checks). */
    weftAccess?: RouteAccess;
    /**
     * A write the tailnet ACL guard authorizes by device identity (mesh with MeshACL): a call
     * without a bearer token is then left to that guard, as before RBAC existed.
     */
    weftDeviceWrite?: boolean;
    /**
     * The route authenticates and authorizes the caller itself with a pod's projected
     * ServiceAccount token (audience `weft`, TokenReview), e.g. the artifact upload route: the guard
     * leaves it alone, and the route must declare it instead of `weftAccess`.
     */
    weftPodToken?: boolean;
  }
}

/** Decorator the guard sets, so that the HTTP server can refuse to serve `/api/` routes without it. */
export const ACCESS_GUARD_DECORATOR = 'weftAccessGuard';

export interface GuardOptions {
  /** The operator's client: TokenReviews and SubjectAccessReviews. */
  rest: RestClient;
  /** Allowed writes are logged here (who, what). */
  log: { info(obj: object, msg: string): void };
  /** The tailnet ACL guard authorizes device writes (see FastifyContextConfig.weftDeviceWrite). */
  deviceAuthorization?: boolean;
}

/** Who is calling and who may do what: shared by every guarded route of one server. */
export interface ApiAuth {
  authn: Authenticator;
  authz: Authorizer;
}

const callers = new WeakMap<FastifyRequest, { user: UserInfo; via: AuthMethod }>();
const guards = new WeakMap<FastifyInstance, ApiAuth>();

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

const unavailable = (reply: FastifyReply, err: unknown) => reply.code(503).send({ error: 'ServiceUnavailable', statusCode: 503, message: errorMessage(err) });

/**
 * Authenticates and authorizes every route that declares `config.weftAccess` (all of `/api/`):
 * who in `onRequest` (401 before a body is even read), what in `preHandler` (403 naming the missing
 * RBAC permission and how to grant it), 503 when the apiserver cannot review. Over HTTPS a client
 * certificate from the operator CA is required. Registering twice on one server returns the first
 * guard, so the read API and the dashboard can each make sure it is there.
 */
export function registerAccessGuard(app: FastifyInstance, o: GuardOptions): ApiAuth {
  const existing = guards.get(app);
  if (existing) return existing;
  const auth: ApiAuth = { authn: new Authenticator(o.rest), authz: new Authorizer(o.rest) };
  guards.set(app, auth);
  app.decorate(ACCESS_GUARD_DECORATOR, true);
  const leftToAcl = (req: FastifyRequest) =>
    Boolean(req.routeOptions.config.weftPodToken) || Boolean(o.deviceAuthorization && req.routeOptions.config.weftDeviceWrite && !bearerToken(req));

  app.addHook('onRequest', async (req, reply) => {
    if (!req.routeOptions.config.weftAccess || leftToAcl(req)) return;
    if (isTls(req) && !certificateUser(req)) {
      return unauthorized(reply, 'this operator serves HTTPS, and its API needs a client certificate issued by the operator CA (Secret weft-ca); see docs/dashboard.md');
    }
    try {
      const who = await auth.authn.authenticate(req);
      if (!who.user) return unauthorized(reply, who.why);
      callers.set(req, { user: who.user, via: who.via });
    } catch (err) {
      return unavailable(reply, err);
    }
  });

  app.addHook('preHandler', async (req, reply) => {
    const access = req.routeOptions.config.weftAccess;
    if (!access || leftToAcl(req)) return;
    const who = callers.get(req);
    if (!who) return unauthorized(reply, 'no authenticated caller'); // fail closed
    try {
      const missing = await auth.authz.firstMissing(who.user, access(req));
      if (missing) return forbidden(reply, who.user, missing);
    } catch (err) {
      return unavailable(reply, err);
    }
    if (req.method !== 'GET') o.log.info({ user: who.user.username, via: who.via, method: req.method, url: req.url }, 'RBAC allowed a write');
  });
  return auth;
}

const READ_VERBS = new Set(['get', 'list', 'watch']);

/** The ClusterRole of config/rbac/ that holds `p`: weft-viewer for reads, weft-editor for writes and for LLM transcripts (not in weft-viewer). */
const roleFor = (p: Permission) => (READ_VERBS.has(p.verb) && p.subresource !== 'transcript' ? 'weft-viewer' : 'weft-editor');

/**
 * How to grant `p` to `user`: the ClusterRole of config/rbac/ that holds it (weft-viewer for reads,
 * weft-editor for writes) and the kubectl command that binds it, in the namespace when there is one.
 */
export function howToGrant(user: UserInfo, p: Permission): string {
  const role = roleFor(p);
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user.username);
  const subject = sa ? `--serviceaccount=${sa[1]}:${sa[2]}` : `--user=${user.username}`;
  const binding = `${(sa?.[2] ?? user.username).replace(/[^a-z0-9-]/gi, '-').toLowerCase()}-${role}`;
  return p.namespace
    ? `kubectl create rolebinding ${binding} -n ${p.namespace} --clusterrole=${role} ${subject}`
    : `kubectl create clusterrolebinding ${binding} --clusterrole=${role} ${subject}`;
}

function forbidden(reply: FastifyReply, user: UserInfo, p: Permission): FastifyReply {
  const what = describePermission(p);
  const grant = howToGrant(user, p);
  const role = roleFor(p);
  const reason = `user "${user.username}" lacks the RBAC permission ${what}; bind a Role or ClusterRole that grants it (e.g. ${role}: ${grant})`;
  return reply.code(403).send({
    error: 'Forbidden',
    statusCode: 403,
    message: `forbidden: ${reason}`,
    reason,
    rule: null,
    missing: { verb: p.verb, group: p.group ?? WEFT_GROUP, resource: p.resource, ...(p.subresource ? { subresource: p.subresource } : {}), ...(p.namespace ? { namespace: p.namespace } : {}), ...(p.name ? { name: p.name } : {}) },
    grant,
  });
}
