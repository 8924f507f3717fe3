import type { KubernetesObject } from '@kubernetes/client-node';
import { NODE_LEASE_NAMESPACE } from '../../nodeagent/rbac.js';
import { keyOf, type Informer } from '../../runtime/index.js';
import { clusterRow, conditionsOf, createdAt, eventRows, facetsOf, nodeRow, overviewOf, ownedWorkloads, workloadRow, type Obj } from './model.js';
import type { ClusterPodWatches } from './pods.js';
import { agentTaskDetail, agentTaskRow } from './agenttasks.js';
import { jobDetail, jobRow } from './jobs.js';
import type { AgentTaskDetail, AgentTaskRow, JobDetail, JobRow, ClusterDetail, ClusterRow, ItemsReply, NodeDetail, NodeRow, Overview, WorkloadDetail, WorkloadRow } from './types.js';

type Lease = KubernetesObject & { spec?: { renewTime?: string } };

/** The informer caches the dashboard reads. */
export interface DashboardInformers {
  nodes: Informer;
  clusters: Informer;
  workloads: Informer;
  agenttasks: Informer;
  jobs: Informer;
  leases: Informer<Lease>;
  events: Informer;
}

export interface Filters {
  org?: string;
  tag?: string;
  phase?: string;
  namespace?: string;
}

const byName = <T extends { name: string; namespace?: string }>(a: T, b: T) => `${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.namespace ?? ''}/${b.name}`);

/**
 * Answers the dashboard's queries from the informer caches (and the clusters' pod watches): every
 * reply is computed in memory, so a page view costs no apiserver call.
 */
export class DashboardModel {
  private podsWanted = false;

  constructor(
    private readonly inf: DashboardInformers,
    private readonly pods: ClusterPodWatches,
  ) {}

  /** Starts the pod watches on first use (`start`), and afterwards keeps them in step with the clusters. */
  syncPodWatches(start = true): void {
    if (start) this.podsWanted = true;
    if (this.podsWanted) this.pods.sync(this.inf.clusters.list() as Obj[]);
  }

  private workloadRows(): WorkloadRow[] {
    return (this.inf.workloads.list() as Obj[]).map(workloadRow).sort(byName);
  }

  /** Rows of `nodes` (default all), with the count of unfinished `workloads` placed on each. */
  private nodeRows(workloads: WorkloadRow[], nodes = this.inf.nodes.list() as Obj[]): NodeRow[] {
    const perNode = new Map<string, number>();
    for (const w of workloads) if (w.node && !['Succeeded', 'Failed'].includes(w.phase)) perNode.set(w.node, (perNode.get(w.node) ?? 0) + 1);
    const now = new Date();
    return nodes
      .map((n) => {
        const renew = this.inf.leases.get(`${NODE_LEASE_NAMESPACE}/${n.metadata!.name}`)?.spec?.renewTime;
        return nodeRow(n, renew ? new Date(renew) : undefined, now, perNode.get(n.metadata!.name!) ?? 0);
      })
      .sort(byName);
  }

  private clusterRows(): ClusterRow[] {
    return (this.inf.clusters.list() as Obj[]).map(clusterRow).sort(byName);
  }

  overview(org?: string): Overview {
    this.syncPodWatches();
    void this.inf.events.start(); // no-op once started; the first overview may show no events yet
    const keep = <T extends { org: string }>(x: T) => !org || x.org === org;
    const allWorkloads = this.workloadRows();
    const allNodes = this.nodeRows(allWorkloads);
    const allClusters = this.clusterRows();
    const clusters = allClusters.filter(keep);
    const pods = new Map(clusters.map((c) => [`${c.namespace}/${c.name}`, this.pods.pods(`${c.namespace}/${c.name}`)]));
    const facets = facetsOf(allNodes, allClusters, allWorkloads);
    return overviewOf({ nodes: allNodes.filter(keep), clusters, workloads: allWorkloads.filter(keep), pods, events: eventRows(this.inf.events.list() as Obj[]), facets });
  }

  nodes(f: Filters): ItemsReply<NodeRow> {
    const workloads = this.workloadRows();
    const all = this.nodeRows(workloads);
    const items = all.filter((n) => (!f.org || n.org === f.org) && (!f.tag || n.tags.includes(f.tag)));
    return { items, facets: facetsOf(all, [], []) };
  }

  node(name: string): NodeDetail | undefined {
    const n = this.inf.nodes.get(name) as Obj | undefined;
    if (!n) return undefined;
    const workloads = this.workloadRows();
    const [row] = this.nodeRows(workloads, [n]) as [NodeRow];
    const labels = (n.spec?.labels ?? {}) as Record<string, string>;
    return {
      node: { ...row, conditions: conditionsOf(n), labels, clusters: Array.isArray(n.status?.clusters) ? (n.status.clusters as string[]) : [], ...createdAt(n) },
      workloads: workloads.filter((w) => w.node === name),
    };
  }

  clusters(f: Filters): ItemsReply<ClusterRow> {
    this.syncPodWatches();
    const all = this.clusterRows();
    return { items: all.filter((c) => !f.org || c.org === f.org), facets: facetsOf([], all, []) };
  }

  cluster(id: string): ClusterDetail | undefined {
    const c = this.inf.clusters.get(id) as Obj | undefined;
    if (!c) return undefined;
    this.syncPodWatches();
    const workloads = this.workloadRows().filter((w) => w.cluster === id);
    const podOwner = new Map<string, string>();
    for (const w of this.inf.workloads.list() as Obj[]) {
      const ref = w.status?.podRef as { cluster?: string; namespace?: string; name?: string } | undefined;
      if (ref?.cluster === id && ref.name) podOwner.set(`${id}|${ref.namespace}/${ref.name}`, keyOf(w));
    }
    return {
      cluster: { ...clusterRow(c), conditions: conditionsOf(c), ...createdAt(c) },
      pods: this.pods.pods(id, (k) => podOwner.get(k)),
      workloads,
    };
  }

  agentTasks(f: Filters & { feature?: string; outcome?: string }): ItemsReply<AgentTaskRow> {
    const all = this.inf.agenttasks.list().map((t) => agentTaskRow(t as Obj)).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    const items = all.filter((t) => (!f.org || t.org === f.org) && (!f.phase || t.phase === f.phase) && (!f.namespace || t.namespace === f.namespace) && (!f.feature || t.feature === f.feature) && (!f.outcome || t.outcome === f.outcome));
    return { items, facets: { orgs: [...new Set(all.map((t) => t.org).filter(Boolean))].sort(), tags: [] } };
  }

  /** One AgentTask with its attempts (its Workloads `<task>-<n>`); `can` is what the caller may do. */
  agentTask(id: string, can: { canAttach: boolean; canReadTranscript: boolean }): AgentTaskDetail | undefined {
    const t = this.inf.agenttasks.get(id) as Obj | undefined;
    if (!t) return undefined;
    return agentTaskDetail(t, ownedWorkloads(this.inf.workloads.list() as Obj[], t, 'AgentTask'), can);
  }

  jobs(f: Filters & { template?: string; reason?: string }): ItemsReply<JobRow> {
    const all = this.inf.jobs.list().map((j) => jobRow(j as Obj)).sort(byName);
    const items = all.filter((j) => (!f.org || j.org === f.org) && (!f.phase || j.phase === f.phase) && (!f.namespace || j.namespace === f.namespace) && (!f.template || j.template === f.template) && (!f.reason || j.reason === f.reason));
    return { items, facets: { orgs: [...new Set(all.map((j) => j.org).filter(Boolean))].sort(), tags: [...new Set(all.map((j) => j.template))].sort() } };
  }

  /** One Job with its attempts (its Workloads `<job>-<n>`). */
  job(id: string): JobDetail | undefined {
    const j = this.inf.jobs.get(id) as Obj | undefined;
    if (!j) return undefined;
    return jobDetail(j, ownedWorkloads(this.inf.workloads.list() as Obj[], j, 'Job'));
  }

  workloads(f: Filters): ItemsReply<WorkloadRow> {
    const all = this.workloadRows();
    const items = all.filter((w) => (!f.org || w.org === f.org) && (!f.phase || w.phase === f.phase) && (!f.namespace || w.namespace === f.namespace));
    return { items, facets: facetsOf([], [], all) };
  }

  workload(id: string): WorkloadDetail | undefined {
    const w = this.inf.workloads.get(id) as Obj | undefined;
    if (!w) return undefined;
    const ref = w.status?.podRef as { cluster?: string; namespace?: string; name?: string } | undefined;
    return { workload: { ...workloadRow(w), conditions: conditionsOf(w), ...(ref ? { pod: { ...(ref.cluster ? { cluster: ref.cluster } : {}), ...(ref.namespace ? { namespace: ref.namespace } : {}), ...(ref.name ? { name: ref.name } : {}) } } : {}) } };
  }
}
