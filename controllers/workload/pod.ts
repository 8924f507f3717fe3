/**
 * The pod a placed Workload runs as, and how a pod is traced back to its Workload (and owner).
 */
import type { V1Container, V1OwnerReference, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import { POD_CLUSTER_ANNOTATION, POD_LABELS, POD_WORKLOAD_ANNOTATION } from '../../src/api/labels.js';
import type { Workload } from '../../src/api/workload/types.js';
import { ResourceRequestDefaults } from '../../src/api/common/types.js';

export { POD_CLUSTER_ANNOTATION, POD_LABELS, POD_SELECTOR } from '../../src/api/labels.js';

/** The name of the pod for `attempt` (1-based): a new name per attempt, so a lingering old pod never clashes. */
export function podName(wl: Workload, attempt: number): string {
  return `${wl.metadata!.name!.slice(0, 240)}-${attempt}`;
}

/** The Workload's controller owner (an AgentTask or Job that created it), if any. */
export function controllerOwner(wl: Workload): V1OwnerReference | undefined {
  return wl.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/**
 * The container that gets `spec.resources`: the one `spec.mainContainer` names, else the first.
 * Owners that add sidecars name their agent or job container (see "Owned Workloads" in docs/scheduling.md).
 */
function mainContainer(wl: Workload, containers: V1Container[]): V1Container | undefined {
  const wanted = wl.spec.mainContainer;
  return wanted ? containers.find((c) => c.name === wanted) : containers[0];
}

/** The Workload's requests (schema defaults where unset) and GPU limit, where the container sets none. */
function withRequests(wl: Workload, c: V1Container): void {
  const r = wl.spec.resources ?? {};
  const requests = { ...(c.resources?.requests ?? {}) };
  requests.cpu ??= String(r.cpu ?? ResourceRequestDefaults.cpu);
  requests.memory ??= String(r.memory ?? ResourceRequestDefaults.memory);
  const limits = { ...(c.resources?.limits ?? {}) };
  if ((r.gpu ?? 0) > 0) limits['nvidia.com/gpu'] ??= String(r.gpu);
  c.resources = { ...c.resources, requests, ...(Object.keys(limits).length > 0 ? { limits } : {}) };
}

/** Labels that trace a pod back to its Workload, its org and (for owned Workloads) its owner. */
function podLabels(wl: Workload, template: V1PodTemplateSpec): Record<string, string> {
  const owner = controllerOwner(wl);
  return {
    ...(template.metadata?.labels ?? {}),
    [POD_LABELS.managedBy]: 'weft',
    [POD_LABELS.workload]: wl.metadata!.name!.slice(0, 63),
    [POD_LABELS.namespace]: wl.metadata!.namespace!,
    [POD_LABELS.uid]: wl.metadata!.uid!,
    [POD_LABELS.org]: wl.spec.org,
    ...(owner ? { [POD_LABELS.ownerKind]: owner.kind, [POD_LABELS.ownerName]: owner.name.slice(0, 63) } : {}),
  };
}

/**
 * The pod a placed Workload runs as: its template (containers, service account, volumes, security
 * context: whatever its owner or author put there), pinned to the chosen node (no second
 * scheduler), labelled with its Workload and owner, with the Workload's resource requests on the
 * main container where the template sets none, and `restartPolicy: Never` unless the template says
 * otherwise.
 */
export function buildPod(wl: Workload, cluster: string, node: string, attempt: number): V1Pod {
  const template: V1PodTemplateSpec = (wl.spec.template ?? {}) as V1PodTemplateSpec;
  const spec = structuredClone(template.spec ?? { containers: [] });
  const main = mainContainer(wl, spec.containers ?? []);
  if (main) withRequests(wl, main);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(wl, attempt),
      namespace: wl.metadata!.namespace!,
      labels: podLabels(wl, template),
      annotations: { ...(template.metadata?.annotations ?? {}), [POD_WORKLOAD_ANNOTATION]: `${wl.metadata!.namespace}/${wl.metadata!.name}`, [POD_CLUSTER_ANNOTATION]: cluster },
    },
    spec: { ...spec, nodeName: node, restartPolicy: spec.restartPolicy ?? 'Never' },
  };
}

/** The Workload key (namespace/name) a pod belongs to, from its labels. */
export function workloadKeyOfPod(pod: V1Pod): string | undefined {
  const l = pod.metadata?.labels ?? {};
  const ns = l[POD_LABELS.namespace];
  const name = pod.metadata?.annotations?.[POD_WORKLOAD_ANNOTATION]?.split('/')[1] ?? l[POD_LABELS.workload];
  return ns && name ? `${ns}/${name}` : undefined;
}

/** The pod if it was made for `wl` (by uid), is not being deleted and is bound to a node. */
export function ownPod(wl: Workload, pod: V1Pod | undefined): V1Pod | undefined {
  return pod && pod.metadata?.labels?.[POD_LABELS.uid] === wl.metadata?.uid && !pod.metadata?.deletionTimestamp && pod.spec?.nodeName ? pod : undefined;
}
