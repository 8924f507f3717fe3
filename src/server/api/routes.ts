import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import { NODE_LEASE_NAMESPACE } from '../../nodeagent/rbac.js';
import { ClusterConnections } from '../../cluster/connections.js';
import type { OrgCluster } from '../../api/orgcluster/types.js';
import { LEASES, MESHNODES, ORGCLUSTERS } from '../../api/resources.js';
import type { Manager } from '../../runtime/manager.js';
import type { RestClient } from '../../runtime/rest.js';
import { READ_API } from '../dashboard/access.js';
import { registerAccessGuard } from '../dashboard/guard.js';
import { capacityEntrySchema, capacitySchema, clusterSchema, nodeSchema, podSchema, podsReplySchema } from './schemas.js';
import { add, clusterView, nodeView, subtract, ZERO } from './views.js';

export interface ApiDeps {
  mgr: Manager;
  rest: RestClient;
  /** The operator's connections to the OrgClusters (default: the API's own, stopped with the server). */
  connections?: ClusterConnections;
}

/** The replies every guarded read route adds: who (401) and what (403, the missing permission). */
const denied = { 401: { $ref: 'Error#' }, 403: { $ref: 'RbacDenial#' } } as const;

type Lease = KubernetesObject & { spec?: { renewTime?: string } };

/**
 * The read API over the operator's informer caches: `/api/v1/nodes`, `/clusters`, `/capacity`,
 * `/pods`. Nodes, clusters and capacity never call the apiserver; pods come from the shared pod
 * watch of each registered cluster (`src/cluster/connections.ts`), started on the first request.
 * Every route needs an authenticated caller with the RBAC permissions of READ_API (the access guard
 * is registered here if it is not yet).
 */
export function registerReadApi(app: FastifyInstance, deps: ApiDeps): void {
  registerAccessGuard(app, { rest: deps.rest, log: app.log });
  app.addSchema(nodeSchema);
  app.addSchema(clusterSchema);
  app.addSchema(capacityEntrySchema);
  app.addSchema(podSchema);
  const nodes = deps.mgr.informer(MESHNODES);
  const clusters = deps.mgr.informer(ORGCLUSTERS);
  const leases = deps.mgr.informer<Lease>(LEASES, NODE_LEASE_NAMESPACE);
  const orgFilter = { type: 'object', properties: { org: { type: 'string', description: 'only this organisation' } } } as const;

  const nodeViews = (org?: string) => {
    const now = new Date();
    return nodes
      .list()
      .map((n) => {
        const renew = leases.get(`${NODE_LEASE_NAMESPACE}/${n.metadata!.name}`)?.spec?.renewTime;
        return nodeView(n, renew ? new Date(renew) : undefined, now);
      })
      .filter((n) => !org || n.org === org)
      .sort((a, b) => a.name.localeCompare(b.name));
  };
  const clusterViews = (org?: string) =>
    clusters
      .list()
      .map(clusterView)
      .filter((c) => !org || c.org === org)
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));

  app.get('/api/v1/nodes', {
    config: { weftAccess: () => READ_API.nodes },
    schema: { tags: ['mesh'], summary: 'MeshNodes with capacity, allocation and health', operationId: 'listNodes', querystring: orgFilter, response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'Node#' } } } }, ...denied } },
    handler: async (req) => ({ items: nodeViews((req.query as { org?: string }).org) }),
  });

  app.get('/api/v1/clusters', {
    config: { weftAccess: () => READ_API.clusters },
    schema: { tags: ['mesh'], summary: 'OrgClusters with version, nodes, capacity and health', operationId: 'listClusters', querystring: orgFilter, response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'Cluster#' } } } }, ...denied } },
    handler: async (req) => ({ items: clusterViews((req.query as { org?: string }).org) }),
  });

  app.get('/api/v1/capacity', {
    config: { weftAccess: () => READ_API.capacity },
    schema: { tags: ['mesh'], summary: 'Capacity, allocation and free resources per node, per cluster and in total', operationId: 'getCapacity', querystring: orgFilter, response: { 200: capacitySchema, ...denied } },
    handler: async (req) => {
      const org = (req.query as { org?: string }).org;
      const perNode = nodeViews(org).map((n) => ({ name: n.name, org: n.org, capacity: n.allocatable, allocated: n.allocated, free: subtract(n.allocatable, n.allocated) }));
      const perCluster = clusterViews(org).map((c) => ({ name: `${c.namespace}/${c.name}`, org: c.org, capacity: c.allocatable, allocated: ZERO, free: c.allocatable }));
      const capacity = perNode.reduce((t, n) => add(t, n.capacity), ZERO);
      const allocated = perNode.reduce((t, n) => add(t, n.allocated), ZERO);
      return { nodes: perNode, clusters: perCluster, totals: { capacity, allocated, free: subtract(capacity, allocated) } };
    },
  });

  const connections = deps.connections ?? new ClusterConnections({ hub: deps.rest });
  if (!deps.connections) app.addHook('onClose', () => connections.stop());
  app.get('/api/v1/pods', {
    // With ?cluster=namespace/name only the OrgClusters of that namespace are read.
    config: { weftAccess: (req) => READ_API.pods((req.query as { cluster?: string }).cluster?.split('/')[0]) },
    schema: {
      tags: ['mesh'],
      summary: 'Pods across the registered clusters',
      operationId: 'listPods',
      querystring: { type: 'object', properties: { org: { type: 'string' }, cluster: { type: 'string', description: 'namespace/name of an OrgCluster' }, phase: { type: 'string', enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] } } },
      response: { 200: podsReplySchema, ...denied },
    },
    handler: async (req) => {
      const q = req.query as { org?: string; cluster?: string; phase?: string };
      const items: Array<Record<string, unknown>> = [];
      const errors: Array<{ cluster: string; message: string }> = [];
      for (const c of clusters.list()) {
        const id = `${c.metadata!.namespace}/${c.metadata!.name}`;
        const org = String((c as { spec?: { org?: string } }).spec?.org ?? '');
        if ((q.cluster && q.cluster !== id) || (q.org && q.org !== org)) continue;
        try {
          const pods = await connections.allPodsOf(c as OrgCluster & KubernetesObject);
          for (const p of pods) if (!q.phase || p.status?.phase === q.phase) items.push(podItem(id, org, p));
        } catch (err) {
          errors.push({ cluster: id, message: (err as Error).message });
        }
      }
      return { items, errors };
    },
  });
}

/** One row of `GET /api/v1/pods`. */
function podItem(cluster: string, org: string, p: V1Pod): Record<string, unknown> {
  const { metadata, spec, status } = p;
  return { cluster, org, namespace: metadata!.namespace!, name: metadata!.name!, phase: status?.phase ?? 'Unknown', ...(spec?.nodeName ? { node: spec.nodeName } : {}), ...(status?.startTime ? { startTime: new Date(status.startTime).toISOString() } : {}) };
}
