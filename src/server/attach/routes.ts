/**
 * `/attach/<namespace>/<task>/…`: a human's way into the code-server sidecar of an AgentTask pod
 * (HTTP and WebSocket upgrades, which code-server's workbench needs). Every request is
 * authenticated like the /api routes (TokenReview bearer token or operator-CA client certificate)
 * and authorized by a SubjectAccessReview for the custom verb `attach` on `agenttasks.weft.dev`
 * named by the task; only then does the operator log in to code-server on the caller's behalf and
 * proxy to the pod IP. The caller's Authorization header, cookies and Origin never reach the pod.
 * `weft agent attach NS/NAME` (src/cli/attach.ts) forwards a local port here with the kubeconfig's
 * token, so a browser needs no credentials of its own.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClusterConnections } from '../../cluster/connections.js';
import type { CodeServerCredentials } from '../../agents/codeserver/credentials.js';
import { errorMessage, type RestClient } from '../../runtime/index.js';
import { registerAccessGuard } from '../dashboard/guard.js';
import type { UserInfo } from '../dashboard/identity.js';
import { AttachError, CodeServerSessions, resolveTarget } from './target.js';
import { proxyHttp, proxyUpgrade, refuseUpgrade } from './proxy.js';

export interface AttachDeps {
  /** The operator's hub client: TokenReviews, SubjectAccessReviews, AgentTasks, Workloads, OrgClusters. */
  rest: RestClient;
  connections: ClusterConnections;
  /** The code-server passwords (undefined: the key could not be loaded; every attach answers 503). */
  credentials?: CodeServerCredentials;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** The attach path: /attach/<namespace>/<task>[/<rest>]. */
const ATTACH_PATH = /^\/attach\/([a-z0-9][a-z0-9-]{0,62})\/([a-z0-9][a-z0-9.-]{0,252})(\/[^?]*)?(\?.*)?$/;

/** The RBAC rule a user needs, as kubectl commands, for the 403 message and the docs. */
export function attachGrant(namespace: string, task: string, username: string): string {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  const subject = sa ? `--serviceaccount=${sa[1]}:${sa[2]}` : `--user=${username}`;
  return `kubectl create role weft-attach -n ${namespace} --verb=attach --resource=agenttasks.weft.dev --resource-name=${task} && kubectl create rolebinding weft-attach -n ${namespace} --role=weft-attach ${subject} (or bind the ClusterRole weft-editor, which includes attach)`;
}

type Outcome = { ok: true; user: UserInfo; path: string; namespace: string; task: string } | { ok: false; status: number; body: Record<string, unknown>; headers?: Record<string, string> };

/**
 * Registers `/attach/*` (every method) and the server's `upgrade` handler for that path.
 * @example registerAttachRoutes(app, { rest, connections, credentials, log })
 */
export function registerAttachRoutes(app: FastifyInstance, deps: AttachDeps): void {
  const auth = registerAccessGuard(app, { rest: deps.rest, log: deps.log });
  const sessions = deps.credentials ? new CodeServerSessions(deps.credentials) : undefined;

  /** Authenticates and authorizes one request (HTTP or upgrade). */
  const check = async (req: IncomingMessage): Promise<Outcome> => {
    const m = ATTACH_PATH.exec(req.url ?? '');
    if (!m) return { ok: false, status: 404, body: { message: 'not an attach path: use /attach/<namespace>/<task>/' } };
    const [, namespace, task, path, query] = m as unknown as [string, string, string, string | undefined, string | undefined];
    if (!path) return { ok: false, status: 308, body: {}, headers: { location: `/attach/${namespace}/${task}/${query ?? ''}` } };
    let who;
    try {
      who = await auth.authn.authenticate({ headers: req.headers, raw: req } as unknown as FastifyRequest);
    } catch (err) {
      return { ok: false, status: 503, body: { message: errorMessage(err) } };
    }
    if (!who.user) return { ok: false, status: 401, body: { message: `authentication required: ${who.why}` }, headers: { 'www-authenticate': 'Bearer realm="weft"' } };
    const permission = { verb: 'attach', resource: 'agenttasks', namespace, name: task };
    try {
      if (!(await auth.authz.allowed(who.user, permission))) {
        const grant = attachGrant(namespace, task, who.user.username);
        return { ok: false, status: 403, body: { message: `forbidden: user "${who.user.username}" lacks the RBAC permission attach agenttasks.weft.dev "${task}" in namespace "${namespace}"; grant it with: ${grant}`, missing: { group: 'weft.dev', ...permission }, grant } };
      }
    } catch (err) {
      return { ok: false, status: 503, body: { message: errorMessage(err) } };
    }
    return { ok: true, user: who.user, path: `${path}${query ?? ''}`, namespace, task };
  };

  /** Finds the pod and a session; AttachError → its status. */
  const connect = async (c: Extract<Outcome, { ok: true }>) => {
    if (!sessions) throw new AttachError(503, 'the operator could not load its code-server key (Secret weft-code-server-key in its namespace): see the operator log');
    const target = await resolveTarget(deps.rest, deps.connections, c.namespace, c.task);
    return { target, cookie: await sessions.cookie(target) };
  };

  const failure = (err: unknown) => (err instanceof AttachError ? { status: err.statusCode, message: err.message } : { status: 502, message: errorMessage(err) });

  app.register(async (scope) => {
    // The body is code-server's, streamed as is: no parsing here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const c = await check(req.raw);
      if (!c.ok) return reply.code(c.status).headers(c.headers ?? {}).send({ error: httpError(c.status), statusCode: c.status, ...c.body });
      let up;
      try {
        up = await connect(c);
      } catch (err) {
        const f = failure(err);
        return reply.code(f.status).send({ error: httpError(f.status), statusCode: f.status, message: f.message });
      }
      reply.hijack();
      proxyHttp(req.raw, reply.raw, { ...up.target, path: c.path, cookie: up.cookie, onLoginPage: () => sessions?.forget(up.target.podUid) });
    };
    // Not part of the OpenAPI contract: the bodies are code-server's.
    scope.all('/attach/*', { schema: { hide: true } }, handler);
    scope.all('/attach/:namespace/:task', { schema: { hide: true } }, handler);
  });

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!req.url?.startsWith('/attach/')) {
      // Nobody else upgrades on this server: do not leave the socket hanging.
      if (app.server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'no WebSocket here');
      return;
    }
    const attach = async () => {
      const c = await check(req);
      if (!c.ok) return refuseUpgrade(socket, c.status, String(c.body.message ?? ''));
      try {
        const up = await connect(c);
        deps.log.info({ user: c.user.username, task: `${c.namespace}/${c.task}`, path: c.path.split('?')[0] }, 'attach: WebSocket to code-server');
        proxyUpgrade(req, socket, head, { ...up.target, path: c.path, cookie: up.cookie });
      } catch (err) {
        const f = failure(err);
        refuseUpgrade(socket, f.status, f.message);
      }
    };
    attach().catch((err: unknown) => {
      deps.log.warn({ err: errorMessage(err) }, 'attach: upgrade failed');
      socket.destroy();
    });
  });
}

function httpError(status: number): string {
  return { 308: 'PermanentRedirect', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 502: 'BadGateway', 503: 'ServiceUnavailable' }[status] ?? 'Error';
}
