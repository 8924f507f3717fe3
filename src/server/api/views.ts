import type { KubernetesObject } from '@kubernetes/client-node';
import { formatBytes, formatCpu, parseQuantityNumber } from '../../api/common/quantity.js';
import type { Condition } from '../../runtime/conditions.js';

/** Resources in API form. */
export interface Resources {
  cpu: string;
  memory: string;
  gpus: number;
}

type Obj = KubernetesObject & { spec?: Record<string, any>; status?: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

const conds = (o: Obj): Condition[] => (o.status?.conditions as Condition[] | undefined) ?? [];
const condStatus = (o: Obj, type: string) => (conds(o).find((c) => c.type === type)?.status ?? 'Unknown') as Condition['status'];

/** Normalises a MeshNode or OrgCluster resource block ({cpu, memory, gpus[]} or {gpus: n}). */
export function toResources(r: Record<string, unknown> | undefined): Resources {
  const gpus = Array.isArray(r?.gpus) ? (r.gpus as Array<{ count?: number }>).reduce((n, g) => n + (g.count ?? 0), 0) : Number(r?.gpus ?? 0);
  const num = (v: unknown, f: (n: number) => string) => f(typeof v === 'string' || typeof v === 'number' ? parseQuantityNumber(v) : 0);
  return { cpu: num(r?.cpu, formatCpu), memory: num(r?.memory, formatBytes), gpus };
}

/** a - b (floored at zero), and a + b. */
export function subtract(a: Resources, b: Resources): Resources {
  return {
    cpu: formatCpu(Math.max(0, parseQuantityNumber(a.cpu) - parseQuantityNumber(b.cpu))),
    memory: formatBytes(Math.max(0, parseQuantityNumber(a.memory) - parseQuantityNumber(b.memory))),
    gpus: Math.max(0, a.gpus - b.gpus),
  };
}
export function add(a: Resources, b: Resources): Resources {
  return {
    cpu: formatCpu(parseQuantityNumber(a.cpu) + parseQuantityNumber(b.cpu)),
    memory: formatBytes(parseQuantityNumber(a.memory) + parseQuantityNumber(b.memory)),
    gpus: a.gpus + b.gpus,
  };
}
export const ZERO: Resources = { cpu: '0', memory: '0', gpus: 0 };

/** A MeshNode as `/api/v1/nodes` shows it. */
export function nodeView(n: Obj, heartbeat: Date | undefined, now: Date) {
  return {
    name: n.metadata!.name!,
    org: String(n.spec?.org ?? ''),
    hostname: String(n.spec?.hostname ?? n.metadata!.name!),
    tags: (n.spec?.tags as string[] | undefined) ?? [],
    ready: condStatus(n, 'Ready'),
    unschedulable: Boolean(n.spec?.unschedulable),
    heartbeatAgeSeconds: heartbeat ? Math.max(0, (now.getTime() - heartbeat.getTime()) / 1000) : null,
    capacity: toResources(n.status?.capacity),
    allocatable: toResources(n.status?.allocatable),
    allocated: toResources(n.status?.allocated),
    tailnet: (n.status?.tailnet as Record<string, unknown> | undefined) ?? {},
    conditions: conds(n),
  };
}

/** An OrgCluster as `/api/v1/clusters` shows it. */
export function clusterView(c: Obj) {
  return {
    namespace: c.metadata!.namespace!,
    name: c.metadata!.name!,
    org: String(c.spec?.org ?? ''),
    provider: String(c.spec?.provider ?? ''),
    ready: condStatus(c, 'Ready'),
    reachable: condStatus(c, 'Reachable'),
    ...(c.status?.apiServerURL ? { apiServerURL: String(c.status.apiServerURL) } : {}),
    ...(c.status?.kubernetesVersion ? { kubernetesVersion: String(c.status.kubernetesVersion) } : {}),
    ...(typeof c.status?.nodes === 'number' ? { nodes: c.status.nodes } : {}),
    capacity: toResources(c.status?.capacity),
    allocatable: toResources(c.status?.allocatable),
    conditions: conds(c),
  };
}
