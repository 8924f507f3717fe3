import { HttpMethod, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { orgClusterKubeConfig } from '../../cluster/providers/access.js';
import { describeError } from '../../cluster/providers/probe.js';
import type { OrgClusterLike } from '../../cluster/providers/types.js';
import { PODS } from '../../api/resources.js';
import { Informer, keyOf, resourcePath, RestClient } from '../../runtime/index.js';
import type { Obj } from './model.js';
import type { ClusterPods, PodRow } from './types.js';

interface Watch {
  informer?: Informer<V1Pod>;
  error?: string;
  /** When a failed start may be retried. */
  retryAt?: number;
}

/**
 * Pods of every registered OrgCluster, kept by one watch per cluster (started the first time the
 * dashboard asks, stopped when the OrgCluster goes away): page views read the caches, never the
 * clusters. `onChange` is called on every pod event.
 */
export class ClusterPodWatches {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly rest: RestClient,
    private readonly log: Logger,
    private readonly onChange: () => void,
  ) {}

  /** Starts watches for `clusters` not yet watched and stops those of clusters that are gone. */
  sync(clusters: Obj[]): void {
    const ids = new Set(clusters.map(keyOf));
    for (const [id, w] of this.watches) {
      if (ids.has(id)) continue;
      this.watches.delete(id);
      void w.informer?.stop();
    }
    for (const oc of clusters) {
      const id = keyOf(oc);
      const w = this.watches.get(id);
      if (w && (w.informer || !w.retryAt || Date.now() < w.retryAt)) continue;
      const fresh: Watch = { retryAt: undefined };
      this.watches.set(id, fresh);
      this.start(oc, fresh).catch((err: unknown) => {
        fresh.error = describeError(err);
        fresh.retryAt = Date.now() + 10_000;
        this.log.debug({ cluster: id, err: fresh.error }, 'cannot watch the pods of a cluster');
        this.onChange();
      });
    }
  }

  /** The pods of cluster `id` (namespace/name) as last seen. */
  pods(id: string, workloadOf?: (podKey: string) => string | undefined): ClusterPods {
    const w = this.watches.get(id);
    if (!w) return { state: 'syncing', items: [] };
    if (!w.informer?.hasSynced()) return { state: w.error ? 'error' : 'syncing', ...(w.error ? { message: w.error } : {}), items: [] };
    const items = w.informer
      .list()
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
    return { state: 'ok', ...(w.error ? { message: w.error } : {}), items };
  }

  async stop(): Promise<void> {
    const all = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(all.map(async (w) => w.informer?.stop()));
  }

  private async start(oc: Obj, w: Watch): Promise<void> {
    const kc = await orgClusterKubeConfig(this.rest, oc as OrgClusterLike);
    // One list first: an unreachable cluster fails here with a clear reason (and is retried later)
    // instead of starting a watch that retries in the background.
    await new RestClient(kc).request(HttpMethod.GET, resourcePath(PODS), { query: { limit: 1 } });
    if (this.watches.get(keyOf(oc)) !== w) return; // the cluster went away meanwhile
    const informer = new Informer<V1Pod>(kc, PODS, {
      log: this.log.child({ cluster: keyOf(oc) }),
      onRestart: (reason) => {
        w.error = `the watch on its pods failed (${reason}); retrying`;
        this.onChange();
      },
    });
    informer.on(() => {
      w.error = undefined;
      this.onChange();
    });
    w.informer = informer;
    w.error = undefined;
    void informer.start().then(() => this.onChange());
  }
}
