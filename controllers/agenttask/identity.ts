/**
 * The least-privileged identity of an AgentTask's pods: a ServiceAccount `weft-task-<task>`, a
 * Role that allows only reading the task itself and patching its status (by `resourceNames`,
 * nothing on Secrets, pods or other tasks) and a RoleBinding, all owned by the task (they go with
 * it). The pods mount no API token; they get one projected token for the audience `weft`, which
 * the operator's gateway verifies (src/agents/gateway/identity.ts).
 */
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import type { AgentTask } from '../../src/api/agenttask/types.js';
import { taskServiceAccountName } from '../../src/agents/gateway/identity.js';

export { taskServiceAccountName };

/** The ownerReference every object of the task carries (the task controls it; deletion waits for it). */
export function taskOwnerRef(task: AgentTask): V1OwnerReference {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', name: task.metadata.name!, uid: task.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

const LABELS = (task: AgentTask) => ({ 'app.kubernetes.io/managed-by': 'weft', 'weft.dev/agenttask': task.metadata.name!.slice(0, 63) });

/** The rules of the task's Role: its own AgentTask (get) and its status (get, patch), nothing else. */
export function taskRoleRules(task: AgentTask): Array<{ apiGroups: string[]; resources: string[]; resourceNames: string[]; verbs: string[] }> {
  const name = task.metadata.name!;
  return [
    { apiGroups: ['weft.dev'], resources: ['agenttasks'], resourceNames: [name], verbs: ['get'] },
    { apiGroups: ['weft.dev'], resources: ['agenttasks/status'], resourceNames: [name], verbs: ['get', 'patch'] },
  ];
}

/** The ServiceAccount, Role and RoleBinding of a task, in its namespace, owned by it. */
export function taskIdentityObjects(task: AgentTask): { serviceAccount: KubernetesObject; role: KubernetesObject; roleBinding: KubernetesObject } {
  const name = taskServiceAccountName(task.metadata.name!);
  const namespace = task.metadata.namespace!;
  const metadata = { name, namespace, labels: LABELS(task), ownerReferences: [taskOwnerRef(task)] };
  return {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata, automountServiceAccountToken: false } as KubernetesObject,
    role: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules: taskRoleRules(task) } as KubernetesObject,
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    } as KubernetesObject,
  };
}
