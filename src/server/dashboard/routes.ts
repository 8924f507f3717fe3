import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { NODE_LEASE_NAMESPACE } from '../../nodeagent/rbac.js';
import { AGENTTASKS, JOBS, LEASES, MESHNODES, ORGCLUSTERS, WORKLOADS } from '../../api/resources.js';
import { HttpMethod } from '@kubernetes/client-node';
import { Informer, isNotFound, resourcePath, type Manager, type ResourceType, type RestClient } from '../../runtime/index.js';
import { errorSchema } from '../schemas.js';
import { VIEW, VIEW_ALL, WRITES, describePermission } from './access.js';
import { ChangeFeed, registerStream } from './feed.js';
import { callerOf, registerAccessGuard } from './guard.js';
import { DashboardModel } from './queries.js';
import { ClusterPodWatches } from './pods.js';
import { ClusterConnections } from '../../cluster/connections.js';
import * as S from './schemas.js';
import { registerStaticUi } from './static.js';
import type { Me } from './types.js';

/** events.k8s.io/v1 Events: the overview's recent events (only those about Weft objects are shown). */
export const EVENTS: ResourceType = { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };

export interface DashboardDeps {
  mgr: Manager;
  /** The operator's client: TokenReviews, SubjectAccessReviews, cluster kubeconfig Secrets, writes. */
  rest: RestClient;
  log: Logger;
  /** The tailnet ACL guard authorizes device callers (see GuardOptions.deviceAuthorization). */
  deviceAuthorization?: boolean;
  /** Serve the built UI (default true; the contract tests leave it out). */
  ui?: boolean;
  /** Debounce of the live stream (ms, default 200). */
  debounceMs?: number;
  /** The operator's connections to the OrgClusters (default: the dashboard's own, stopped with it). */
  connections?: ClusterConnections;
}

type Q = { org?: string; tag?: string; phase?: string; namespace?: string };
const filters = { type: 'object', properties: { org: { type: 'string', description: 'only this organisation' }, tag: { type: 'string', description: 'only nodes with this tag' } } } as const;
const name = { type: 'string', minLength: 1, maxLength: 253 } as const;
const errors = { 401: { $ref: 'Error#' }, 403: { $ref: 'RbacDenial#' } } as const;
const notFound = (reply: FastifyReply, what: string) => reply.code(404).send({ error: 'NotFound', statusCode: 404, message: `${what} not found: it does not exist or was deleted` });

/**
 * The dashboard: its JSON API under `/api/v1/dashboard/` (read from the informer caches, never from
 * the apiserver per page view), the live stream, the RBAC guard (also on the older cordon/uncordon
 * writes), `DELETE /api/v1/workloads/{namespace}/{name}`, and the UI at `/`.
 */
export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): { stop(): Promise<void> } {
  for (const s of [errorSchema, S.rbacDenialSchema, S.dashNodeSchema, S.dashClusterSchema, S.dashWorkloadSchema, S.dashAgentTaskSchema, S.dashJobSchema]) if (!app.getSchema(s.$id)) app.addSchema(s);
  const { authz } = registerAccessGuard(app, { rest: deps.rest, log: deps.log, deviceAuthorization: deps.deviceAuthorization });

  const feed = new ChangeFeed(deps.debounceMs);
  const inf = {
    nodes: deps.mgr.informer(MESHNODES),
    clusters: deps.mgr.informer(ORGCLUSTERS),
    workloads: deps.mgr.informer(WORKLOADS),
    agenttasks: deps.mgr.informer(AGENTTASKS),
    jobs: deps.mgr.informer(JOBS),
    leases: deps.mgr.informer<{ spec?: { renewTime?: string } } & { metadata?: { name?: string } }>(LEASES, NODE_LEASE_NAMESPACE),
    // Not the manager's: the controllers wait for every manager cache, and an Events watch that
    // cannot start (RBAC not updated, a huge cluster) must not hold them up. Started on first use.
    events: new Informer(deps.rest.kc, EVENTS, { log: deps.log.child({ component: 'informer', resource: 'events' }) }),
  };
  inf.nodes.on(() => feed.notify('nodes'));
  inf.clusters.on(() => feed.notify('clusters'));
  inf.workloads.on(() => feed.notify('workloads'));
  inf.agenttasks.on(() => feed.notify('agenttasks'));
  inf.jobs.on(() => feed.notify('jobs'));
  inf.events.on(() => feed.notify('events'));
  const connections = deps.connections ?? new ClusterConnections({ hub: deps.rest, log: deps.log.child({ component: 'dashboard-pods' }) });
  const pods = new ClusterPodWatches(connections, () => feed.notify('pods'));
  const model = new DashboardModel(inf, pods);

  const get = (url: string, o: { access: typeof VIEW_ALL; summary: string; id: string; query?: object; params?: object; reply: object }, h: (req: FastifyRequest, reply: FastifyReply) => unknown) =>
    app.get(url, {
      config: { weftAccess: () => o.access },
      schema: { tags: ['dashboard'], summary: o.summary, operationId: o.id, ...(o.query ? { querystring: o.query } : {}), ...(o.params ? { params: o.params } : {}), response: { 200: o.reply, ...errors, 404: { $ref: 'Error#' } } },
      handler: async (req, reply) => h(req, reply),
    });

  app.get('/api/v1/dashboard/me', {
    config: { weftAccess: () => [] },
    schema: { tags: ['dashboard'], summary: 'The signed-in user and what the dashboard may offer them (each checked with a SubjectAccessReview)', operationId: 'dashboardMe', response: { 200: S.meSchema, 401: { $ref: 'Error#' } } },
    handler: async (req): Promise<Me> => {
      const { user, via } = callerOf(req)!;
      const namespaces = [...new Set(inf.workloads.list().map((w) => w.metadata!.namespace!))].sort().slice(0, 50);
      const [missing, cordon, deleteAll, perNs] = await Promise.all([
        authz.firstMissing(user, VIEW_ALL),
        authz.allowed(user, WRITES.cordon()),
        authz.allowed(user, WRITES.deleteWorkload()),
        Promise.all(namespaces.map(async (ns) => ((await authz.allowed(user, WRITES.deleteWorkload(ns))) ? ns : ''))),
      ]);
      return {
        user: { username: user.username, groups: user.groups },
        via,
        can: { view: !missing, cordon, uncordon: cordon, deleteWorkloads: deleteAll },
        ...(missing ? { missing: describePermission(missing) } : {}),
        deleteWorkloadNamespaces: deleteAll ? [] : perNs.filter(Boolean),
      };
    },
  });

  get('/api/v1/dashboard/overview', { access: VIEW_ALL, summary: 'Mesh health, capacity, pods and workloads by phase, recent events', id: 'dashboardOverview', query: { type: 'object', properties: { org: filters.properties.org } }, reply: S.overviewSchema }, (req) =>
    model.overview((req.query as Q).org),
  );
  get('/api/v1/dashboard/nodes', { access: VIEW.nodes, summary: 'MeshNodes as table rows (filter by org and tag)', id: 'dashboardNodes', query: filters, reply: S.listReply('DashboardNode') }, (req) =>
    model.nodes(req.query as Q),
  );
  get('/api/v1/dashboard/nodes/:name', { access: [...VIEW.nodes, ...VIEW.workloads], summary: 'A MeshNode with its conditions and the workloads placed on it', id: 'dashboardNode', params: { type: 'object', required: ['name'], properties: { name } }, reply: S.nodeDetailSchema }, (req, reply) => {
    const n = (req.params as { name: string }).name;
    return model.node(n) ?? notFound(reply, `MeshNode "${n}"`);
  });
  get('/api/v1/dashboard/clusters', { access: VIEW.clusters, summary: 'OrgClusters as table rows (filter by org)', id: 'dashboardClusters', query: filters, reply: S.listReply('DashboardCluster') }, (req) =>
    model.clusters(req.query as Q),
  );
  const nsName = { type: 'object', required: ['namespace', 'name'], properties: { namespace: { type: 'string', minLength: 1, maxLength: 63 }, name } } as const;
  get('/api/v1/dashboard/clusters/:namespace/:name', { access: [...VIEW.clusters, ...VIEW.workloads], summary: 'An OrgCluster with its conditions, pods and workloads', id: 'dashboardCluster', params: nsName, reply: S.clusterDetailSchema }, (req, reply) => {
    const p = req.params as { namespace: string; name: string };
    return model.cluster(`${p.namespace}/${p.name}`) ?? notFound(reply, `OrgCluster "${p.namespace}/${p.name}"`);
  });
  get('/api/v1/dashboard/agenttasks', { access: VIEW.agenttasks, summary: 'AgentTasks with phase, outcome, attempt, their change, usage and why they wait', id: 'dashboardAgentTasks', query: { type: 'object', properties: { ...filters.properties, phase: { type: 'string' }, namespace: { type: 'string' }, feature: { type: 'string' }, outcome: { type: 'string' } } }, reply: S.listReply('DashboardAgentTask') }, (req) =>
    model.agentTasks(req.query as Q & { feature?: string; outcome?: string }),
  );
  get('/api/v1/dashboard/agenttasks/:namespace/:name', { access: [...VIEW.agenttasks, ...VIEW.workloads], summary: 'An AgentTask with its attempts, last toolchain run, diagnostics, usage against its budget, and whether the caller may attach', id: 'dashboardAgentTask', params: nsName, reply: S.agentTaskDetailSchema }, async (req, reply) => {
    const p = req.params as { namespace: string; name: string };
    if (!inf.agenttasks.get(`${p.namespace}/${p.name}`)) return notFound(reply, `AgentTask "${p.namespace}/${p.name}"`);
    const user = callerOf(req)!.user;
    const [canAttach, canReadTranscript] = await Promise.all([authz.allowed(user, { verb: 'attach', resource: 'agenttasks', namespace: p.namespace, name: p.name }), authz.allowed(user, { verb: 'get', resource: 'agenttasks', subresource: 'transcript', namespace: p.namespace, name: p.name })]);
    return model.agentTask(`${p.namespace}/${p.name}`, { canAttach, canReadTranscript }) ?? notFound(reply, `AgentTask "${p.namespace}/${p.name}"`);
  });
  get('/api/v1/dashboard/jobs', { access: VIEW.jobs, summary: 'Jobs with template, phase and reason, attempts, summary, artifacts and trace id (filter by org, template, phase, reason)', id: 'dashboardJobs', query: { type: 'object', properties: { ...filters.properties, phase: { type: 'string' }, namespace: { type: 'string' }, template: { type: 'string' }, reason: { type: 'string' } } }, reply: S.listReply('DashboardJob') }, (req) =>
    model.jobs(req.query as Q & { template?: string; reason?: string }),
  );
  get('/api/v1/dashboard/jobs/:namespace/:name', { access: [...VIEW.jobs, ...VIEW.workloads], summary: 'A Job with its attempts, result, commit status, artifacts (download paths) and archived log', id: 'dashboardJob', params: nsName, reply: S.jobDetailSchema }, (req, reply) => {
    const p = req.params as { namespace: string; name: string };
    return model.job(`${p.namespace}/${p.name}`) ?? notFound(reply, `Job "${p.namespace}/${p.name}"`);
  });
  get('/api/v1/dashboard/workloads', { access: VIEW.workloads, summary: 'Workloads with phase, placement and, for Pending ones, the rejected candidates', id: 'dashboardWorkloads', query: { type: 'object', properties: { ...filters.properties, phase: { type: 'string' }, namespace: { type: 'string' } } }, reply: S.listReply('DashboardWorkload') }, (req) =>
    model.workloads(req.query as Q),
  );
  get('/api/v1/dashboard/workloads/:namespace/:name', { access: VIEW.workloads, summary: 'A Workload with its placement, conditions and pod', id: 'dashboardWorkload', params: nsName, reply: S.workloadDetailSchema }, (req, reply) => {
    const p = req.params as { namespace: string; name: string };
    return model.workload(`${p.namespace}/${p.name}`) ?? notFound(reply, `Workload "${p.namespace}/${p.name}"`);
  });

  app.delete('/api/v1/workloads/:namespace/:name', {
    config: { weftAccess: (req) => [WRITES.deleteWorkload((req.params as { namespace: string }).namespace, (req.params as { name: string }).name)] },
    schema: {
      tags: ['dashboard'],
      summary: 'Delete a Workload (needs RBAC delete on workloads.weft.dev in its namespace)',
      operationId: 'deleteWorkload',
      params: nsName,
      response: { 200: { type: 'object', required: ['namespace', 'name', 'deleted'], properties: { namespace: { type: 'string' }, name: { type: 'string' }, deleted: { type: 'boolean' } } }, ...errors, 404: { $ref: 'Error#' } },
    },
    handler: async (req, reply) => {
      const p = req.params as { namespace: string; name: string };
      try {
        await deps.rest.request(HttpMethod.DELETE, resourcePath(WORKLOADS, p.namespace, p.name));
      } catch (err) {
        if (isNotFound(err)) return notFound(reply, `Workload "${p.namespace}/${p.name}"`);
        throw err;
      }
      return { namespace: p.namespace, name: p.name, deleted: true };
    },
  });

  registerStream(app, feed);
  if (deps.ui !== false) registerStaticUi(app);
  // Once pods are being watched, clusters added or removed later start or stop their watch.
  inf.clusters.on(() => model.syncPodWatches(false));
  const stop = async () => {
    feed.stop();
    await Promise.all([pods.stop(), inf.events.stop(), deps.connections ? undefined : connections.stop()]);
  };
  app.addHook('onClose', stop);
  return { stop };
}
