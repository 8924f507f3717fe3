import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { renderKubeconfig } from '../cluster/kubeconfig.js';
import { CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, LEASES, MESHNODES, SERVICE_ACCOUNTS } from '../api/resources.js';
import { ORG_LABEL } from '../api/labels.js';
import { isConflict, RestClient, type ResourceType } from '../runtime/index.js';
import { agentNames, agentRbac, NODE_LEASE_NAMESPACE } from './rbac.js';

export interface ProvisionOptions {
  name: string;
  org: string;
  tags?: string[];
  hostname?: string;
  /** Namespace of the agents' ServiceAccounts (default weft-system). */
  agentNamespace?: string;
  /** Lifetime of the agent's token (default 1 year; rotate by provisioning again). */
  tokenSeconds?: number;
}

const RBAC_TYPES: Record<string, ResourceType> = {
  ServiceAccount: SERVICE_ACCOUNTS,
  ClusterRole: CLUSTER_ROLES,
  ClusterRoleBinding: CLUSTER_ROLE_BINDINGS,
  Role: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true },
  RoleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
};

/** The MeshNode an admin creates for a new host (the agent fills in its status). */
export function meshNodeFor(o: ProvisionOptions): KubernetesObject & { spec: Record<string, unknown> } {
  return {
    apiVersion: `${MESHNODES.group}/${MESHNODES.version}`,
    kind: 'MeshNode',
    metadata: { name: o.name, labels: { [ORG_LABEL]: o.org } },
    spec: { hostname: o.hostname ?? o.name, org: o.org, tags: o.tags ?? [] },
  };
}

/**
 * Prepares a host to join: its MeshNode, its heartbeat Lease, least-privileged RBAC (own objects
 * only) and a ServiceAccount token, and returns a kubeconfig for `weft agent --kubeconfig`.
 * Idempotent: re-running it refreshes the token and leaves existing objects alone.
 */
export async function provisionAgent(kc: KubeConfig, o: ProvisionOptions): Promise<string> {
  const rest = new RestClient(kc);
  const agentNs = o.agentNamespace ?? 'weft-system';
  for (const ns of [agentNs, NODE_LEASE_NAMESPACE]) await createIfMissing(rest, { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false }, { metadata: { name: ns } });
  await createIfMissing(rest, MESHNODES, meshNodeFor(o));
  await createIfMissing(rest, LEASES, {
    metadata: { name: o.name, namespace: NODE_LEASE_NAMESPACE, labels: { 'weft.dev/node': o.name } },
    spec: { holderIdentity: o.name, leaseDurationSeconds: 40 },
  } as KubernetesObject);
  for (const obj of agentRbac(o.name, agentNs)) await createIfMissing(rest, RBAC_TYPES[obj.kind!]!, obj);
  const token = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: agentNames(o.name).serviceAccount,
    namespace: agentNs,
    body: { spec: { audiences: [], expirationSeconds: o.tokenSeconds ?? 365 * 24 * 3600 } },
  });
  const cluster = kc.getCurrentCluster()!;
  const caPem = cluster.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : '';
  return renderKubeconfig({ server: cluster.server, caPem, user: `weft-agent-${o.name}`, client: { token: token.status!.token! }, clusterName: 'weft' });
}

/** Creates `obj` unless it exists (409 is fine). */
export async function createIfMissing(rest: RestClient, type: ResourceType, obj: KubernetesObject): Promise<void> {
  try {
    await rest.create(type, obj);
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}
