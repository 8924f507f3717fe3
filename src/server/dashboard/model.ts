import type { KubernetesObject } from '@kubernetes/client-node';
import { parseQuantityNumber } from '../../api/common/quantity.js';
import type { AgentTaskAttempt, ArtifactView, ClusterRow, ConditionStatus, ConditionView, EventRow, Facets, NodeRow, Overview, Res, WorkloadRow, ClusterPods } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A Weft object as the informer caches hold it (spec and status unvalidated). */
export type Obj = KubernetesObject & { spec?: Record<string, any>; status?: Record<string, any> };
/* eslint-enable @typescript-eslint/no-explicit-any */

export const ZERO: Res = { cpu: 0, memory: 0, gpus: 0 };
export const addRes = (a: Res, b: Res): Res => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, gpus: a.gpus + b.gpus });

const num = (v: unknown): number => {
  if (typeof v !== 'string' && typeof v !== 'number') return 0;
  try {
    return parseQuantityNumber(v);
  } catch {
    return 0; // a malformed quantity shows as 0 rather than breaking the page
  }
};

/** A resource block ({cpu, memory, gpus: [{count}]}, {gpus: n} or a request {gpu}) as numbers. */
export function toRes(r: Record<string, unknown> | undefined): Res {
  const g = r?.gpus ?? r?.gpu;
  const gpus = Array.isArray(g) ? (g as Array<{ count?: number }>).reduce((n, x) => n + (Number(x.count) || 0), 0) : Number(g ?? 0) || 0;
  return { cpu: num(r?.cpu), memory: num(r?.memory), gpus };
}

/** `{createdAt}` (ISO) when the object has a creationTimestamp, else nothing: for spreading into a row. */
/** `{ [k]: v }` when v is set, else nothing (optional row fields). */
export const opt = <K extends string, V>(k: K, v: V | undefined | null | ''): Partial<Record<K, V>> => (v === undefined || v === null || v === '' ? {} : ({ [k]: v } as Record<K, V>));

/** `status.artifacts` of a Job or AgentTask as the dashboard shows them. */
export const artifactViews = (list: ReadonlyArray<{ name: string; url?: string; digest?: string; size?: number }> | undefined): ArtifactView[] =>
  (list ?? []).map((a) => ({ name: a.name, ...opt('url', a.url), ...opt('digest', a.digest), ...opt('size', a.size) }));

export const createdAt = (o: Obj): { createdAt?: string } => (o.metadata?.creationTimestamp ? { createdAt: new Date(o.metadata.creationTimestamp).toISOString() } : {});

export function conditionsOf(o: Obj): ConditionView[] {
  const list = Array.isArray(o.status?.conditions) ? (o.status!.conditions as ConditionView[]) : [];
  return list.map((c) => ({
    type: String(c.type),
    status: (['True', 'False'].includes(c.status) ? c.status : 'Unknown') as ConditionStatus,
    ...(c.reason ? { reason: String(c.reason) } : {}),
    ...(c.message ? { message: String(c.message) } : {}),
    ...(c.lastTransitionTime ? { lastTransitionTime: String(c.lastTransitionTime) } : {}),
  }));
}
const condition = (o: Obj, type: string) => conditionsOf(o).find((c) => c.type === type);

/** A field of an unvalidated object as text (`fallback` when absent). */
const text = (v: unknown, fallback = ''): string => String(v ?? fallback);

/** `{ ready }`, and why it is not ready when the condition says so. */
function readiness(ready: ConditionView | undefined): Pick<NodeRow, 'ready' | 'readyMessage'> {
  return { ready: ready?.status ?? 'Unknown', ...(ready?.status !== 'True' && ready?.message ? { readyMessage: ready.message } : {}) };
}

/** Seconds since the heartbeat, to a tenth (null: never, or an unreadable time). */
function heartbeatAge(heartbeat: Date | undefined, now: Date): number | null {
  if (!heartbeat || Number.isNaN(heartbeat.getTime())) return null;
  return Math.max(0, Math.round((now.getTime() - heartbeat.getTime()) / 100) / 10);
}

/** A MeshNode's status.tailnet as the dashboard shows it. */
function tailnetView(tailnet: unknown): NodeRow['tailnet'] {
  const t = (tailnet ?? {}) as { online?: boolean; name?: string; ips?: string[]; tags?: string[] };
  return { ...(typeof t.online === 'boolean' ? { online: t.online } : {}), ...(t.name ? { name: t.name } : {}), ips: t.ips ?? [], tags: t.tags ?? [] };
}

/** A MeshNode as a table row; `heartbeat` is its Lease's renewTime. */
export function nodeRow(n: Obj, heartbeat: Date | undefined, now: Date, workloads: number): NodeRow {
  const spec = n.spec ?? {};
  const status = n.status ?? {};
  const name = n.metadata!.name!;
  return {
    name,
    org: text(spec.org),
    hostname: text(spec.hostname, name),
    tags: Array.isArray(spec.tags) ? (spec.tags as string[]) : [],
    ...readiness(condition(n, 'Ready')),
    unschedulable: spec.unschedulable === true,
    heartbeatAgeSeconds: heartbeatAge(heartbeat, now),
    capacity: toRes(status.capacity),
    allocatable: toRes(status.allocatable ?? status.capacity),
    allocated: toRes(status.allocated),
    tailnet: tailnetView(status.tailnet),
    workloads,
  };
}

/** What the last probe of an OrgCluster found: its version, API server and node count, each when known. */
function probedFields(status: Record<string, unknown>): Pick<ClusterRow, 'version' | 'apiServerURL' | 'nodes'> {
  return {
    ...(status.kubernetesVersion ? { version: String(status.kubernetesVersion) } : {}),
    ...(status.apiServerURL ? { apiServerURL: String(status.apiServerURL) } : {}),
    ...(typeof status.nodes === 'number' ? { nodes: status.nodes } : {}),
  };
}

/** Why a cluster is not usable: the Reachable condition's message, else the Ready condition's. */
function clusterMessage(reachable: ConditionView | undefined, ready: ConditionView | undefined): string | undefined {
  if (reachable?.status !== 'True') return reachable?.message;
  return ready?.status !== 'True' ? ready?.message : undefined;
}

export function clusterRow(c: Obj): ClusterRow {
  const spec = c.spec ?? {};
  const status = c.status ?? {};
  const reachable = condition(c, 'Reachable');
  const ready = condition(c, 'Ready');
  const message = clusterMessage(reachable, ready);
  return {
    namespace: c.metadata!.namespace!,
    name: c.metadata!.name!,
    org: text(spec.org),
    provider: text(spec.provider),
    ...probedFields(status),
    ready: ready?.status ?? 'Unknown',
    reachable: reachable?.status ?? 'Unknown',
    ...(message ? { message } : {}),
    capacity: toRes(status.capacity),
    allocatable: toRes(status.allocatable ?? status.capacity),
  };
}

type Placement = { cluster?: string; node?: string; score?: number; rejected?: Array<{ candidate?: string; reason?: string }> };

/** Where a Workload was placed and with what score, each when known. */
function placedFields(p: Placement): Pick<WorkloadRow, 'cluster' | 'node' | 'score'> {
  return { ...(p.cluster ? { cluster: p.cluster } : {}), ...(p.node ? { node: p.node } : {}), ...(typeof p.score === 'number' ? { score: p.score } : {}) };
}

export function workloadRow(w: Obj): WorkloadRow {
  const p = (w.status?.placement ?? {}) as Placement;
  const scheduled = condition(w, 'Scheduled');
  return {
    namespace: w.metadata!.namespace!,
    name: w.metadata!.name!,
    org: text(w.spec?.org),
    phase: text(w.status?.phase, 'Pending'),
    ...placedFields(p),
    priority: Number(w.spec?.priority ?? 0) || 0,
    requests: toRes(w.spec?.resources),
    rejected: (Array.isArray(p.rejected) ? p.rejected : []).map((r) => ({ candidate: text(r.candidate), reason: text(r.reason) })),
    ...(scheduled?.message ? { message: scheduled.message } : {}),
    ...createdAt(w),
  };
}

/** An events.k8s.io/v1 Event as the informer holds it. */
type Ev = Obj & {
  eventTime?: string;
  deprecatedLastTimestamp?: string;
  series?: { count?: number; lastObservedTime?: string };
  regarding?: { kind?: string; namespace?: string; name?: string; apiVersion?: string };
  type?: string;
  reason?: string;
  note?: string;
};

/** When an Event last happened: its series' last time, else its own time, else when it was created. */
const eventTime = (e: Ev): string => text(e.series?.lastObservedTime ?? e.eventTime ?? e.deprecatedLastTimestamp ?? e.metadata?.creationTimestamp);

/** The object an Event is about. */
function regardingOf(e: Ev): EventRow['object'] {
  const r = e.regarding ?? {};
  return { kind: text(r.kind), ...(r.namespace ? { namespace: r.namespace } : {}), name: text(r.name) };
}

function eventRow(e: Ev): EventRow {
  return { time: eventTime(e), type: text(e.type, 'Normal'), reason: text(e.reason), note: text(e.note), object: regardingOf(e), count: e.series?.count ?? 1 };
}

/** events.k8s.io/v1 Events about Weft objects, newest first. */
export function eventRows(events: Obj[], limit = 50): EventRow[] {
  return (events as Ev[])
    .filter((e) => e.regarding?.apiVersion?.startsWith('weft.dev/'))
    .map(eventRow)
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || a.object.name.localeCompare(b.object.name))
    .slice(0, limit);
}

export function facetsOf(nodes: NodeRow[], clusters: ClusterRow[], workloads: WorkloadRow[]): Facets {
  const orgs = new Set<string>();
  const tags = new Set<string>();
  for (const n of nodes) {
    if (n.org) orgs.add(n.org);
    for (const t of n.tags) tags.add(t);
  }
  for (const x of [...clusters, ...workloads]) if (x.org) orgs.add(x.org);
  return { orgs: [...orgs].sort(), tags: [...tags].sort() };
}

const countBy = <T>(xs: T[], key: (x: T) => string) => xs.reduce<Record<string, number>>((m, x) => ((m[key(x)] = (m[key(x)] ?? 0) + 1), m), {});

/** The overview: health counts, capacity of the Ready nodes, pods and workloads by phase, recent events. */
export function overviewOf(o: { nodes: NodeRow[]; clusters: ClusterRow[]; workloads: WorkloadRow[]; pods: Map<string, ClusterPods>; events: EventRow[]; facets: Facets }): Overview {
  const ready = o.nodes.filter((n) => n.ready === 'True');
  const podPhases: Record<string, number> = {};
  const unavailable: Array<{ cluster: string; message: string }> = [];
  let listed = 0;
  for (const c of o.clusters) {
    const id = `${c.namespace}/${c.name}`;
    const p = o.pods.get(id);
    if (p?.state !== 'ok') {
      unavailable.push({ cluster: id, message: p?.message ?? (p?.state === 'syncing' ? 'listing pods…' : 'not watched') });
      continue;
    }
    listed++;
    for (const pod of p.items) podPhases[pod.phase] = (podPhases[pod.phase] ?? 0) + 1;
  }
  return {
    nodes: { ready: ready.length, total: o.nodes.length, cordoned: o.nodes.filter((n) => n.unschedulable).length },
    clusters: { reachable: o.clusters.filter((c) => c.reachable === 'True').length, total: o.clusters.length },
    pods: { byPhase: podPhases, listed, total: o.clusters.length, unavailable },
    workloads: { byPhase: countBy(o.workloads, (w) => w.phase), total: o.workloads.length },
    capacity: { used: ready.reduce((t, n) => addRes(t, n.allocated), ZERO), allocatable: ready.reduce((t, n) => addRes(t, n.allocatable), ZERO) },
    events: o.events,
    facets: o.facets,
  };
}

/** The Workloads (from `all`) whose controller owner is `owner` (a Job's or AgentTask's attempts). */
export function ownedWorkloads(all: readonly Obj[], owner: Obj, kind: string): Obj[] {
  return all.filter((w) => w.metadata?.namespace === owner.metadata?.namespace && w.metadata?.ownerReferences?.some((r) => r.controller && r.kind === kind && r.uid === owner.metadata?.uid));
}

/** One attempt of a Job or AgentTask: its Workload `<owner>-<n>` (phase, node, times, and when it ended, why). */
export function attemptRow(w: Obj): AgentTaskAttempt {
  const row = workloadRow(w);
  const attempt = Number(/-(\d+)$/.exec(row.name)?.[1] ?? 0);
  const ready = condition(w, 'Ready');
  const message = ['Succeeded', 'Failed'].includes(row.phase) ? (ready?.message ?? row.message) : row.message;
  const time = (k: string) => (typeof w.status?.[k] === 'string' ? (w.status[k] as string) : undefined);
  return { attempt, workload: row.name, phase: row.phase, ...opt('node', row.node), ...opt('message', message?.slice(0, 500)), ...createdAt(w), ...opt('startedAt', time('startTime')), ...opt('finishedAt', time('completionTime')) };
}

/** Attempts, newest first. */
export const attemptRows = (owned: readonly Obj[]): AgentTaskAttempt[] => owned.map(attemptRow).sort((a, b) => b.attempt - a.attempt);
