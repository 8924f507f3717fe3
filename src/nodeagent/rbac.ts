import type { KubernetesObject } from '@kubernetes/client-node';

/** Namespace of the per-node heartbeat Leases (like kube-node-lease for kubelets). */
export const NODE_LEASE_NAMESPACE = 'weft-node-lease';

/** The Kubernetes names an agent's credentials use, derived from its node name. */
export function agentNames(node: string) {
  return {
    serviceAccount: `weft-agent-${node}`,
    clusterRole: `weft-agent:${node}`,
    role: `weft-agent:${node}`,
  };
}

/**
 * RBAC for one `weft agent`: it may read and update only its own MeshNode (and its status) and
 * its own heartbeat Lease — `resourceNames` pin both. Nothing else: no list, no create, no other
 * node. The MeshNode and Lease are created by whoever provisions the agent (an admin or the
 * operator), which is why the agent needs no `create`, a verb RBAC cannot pin to a name.
 */
export function agentRbac(node: string, agentNamespace: string): KubernetesObject[] {
  const n = agentNames(node);
  const labels = { 'app.kubernetes.io/part-of': 'weft', 'app.kubernetes.io/component': 'agent', 'weft.dev/node': node };
  const subject = { kind: 'ServiceAccount', name: n.serviceAccount, namespace: agentNamespace };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: n.serviceAccount, namespace: agentNamespace, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: n.clusterRole, labels },
      rules: [
        { apiGroups: ['weft.dev'], resources: ['meshnodes', 'meshnodes/status'], resourceNames: [node], verbs: ['get', 'update', 'patch'] },
      ],
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: n.clusterRole, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: n.clusterRole },
      subjects: [subject],
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: n.role, namespace: NODE_LEASE_NAMESPACE, labels },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [node], verbs: ['get', 'update', 'patch'] }],
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: n.role, namespace: NODE_LEASE_NAMESPACE, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: n.role },
      subjects: [subject],
    } as KubernetesObject,
  ];
}
