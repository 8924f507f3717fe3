import type { OrgCluster } from '../../api/orgcluster/types.js';
import type { ClusterConnections } from '../../cluster/connections.js';
import { keyOf } from '../../runtime/index.js';
import type { Obj } from './model.js';
import type { ClusterPods, PodRow } from './types.js';

/**
 * The dashboard's view of the pods of every registered OrgCluster, read from the operator's shared
 * cluster connections (`src/cluster/connections.ts`: one pod watch per API server and identity,
 * also used by the Workload controller and the read API). Page views read the caches, never the
 * clusters; the first `sync` widens the watches to every pod. `onChange` is called on every pod
 * event once the dashboard has asked for pods.
 */
export class ClusterPodWatches {
  private clusters = new Map<string, Obj>();
  private wanted = false;

  constructor(
    private readonly connections: ClusterConnections,
    onChange: () => void,
  ) {
    connections.onChange(() => {
      if (this.wanted) onChange();
    });
  }

  /** Starts watching the pods of `clusters` (in the background); clusters that are gone are forgotten. */
  sync(clusters: Obj[]): void {
    this.wanted = true;
    this.clusters = new Map(clusters.map((c) => [keyOf(c), c]));
    void this.connections.retain(new Set(this.clusters.keys()));
    for (const oc of clusters) this.connections.podsNow(oc as unknown as OrgCluster);
  }

  /** The pods of cluster `id` (namespace/name) as last seen. */
  pods(id: string, workloadOf?: (podKey: string) => string | undefined): ClusterPods {
    const oc = this.clusters.get(id);
    if (!oc) return { state: 'syncing', items: [] };
    const view = this.connections.podsNow(oc as unknown as OrgCluster);
    const items = view.items
      .map((p): PodRow => {
        const wl = workloadOf?.(`${id}|${p.metadata!.namespace}/${p.metadata!.name}`);
        return {
          namespace: p.metadata!.namespace!,
          name: p.metadata!.name!,
          phase: p.status?.phase ?? 'Unknown',
          ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
          ...(p.status?.startTime ? { startTime: new Date(p.status.startTime).toISOString() } : {}),
          ...(wl ? { workload: wl } : {}),
        };
      })
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    return { state: view.state, ...(view.message ? { message: view.message } : {}), items };
  }

  /** Stops reporting changes; the connections belong to the operator and outlive the dashboard. */
  async stop(): Promise<void> {
    this.wanted = false;
    this.clusters.clear();
  }
}
