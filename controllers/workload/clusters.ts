/**
 * Connections to the OrgClusters that run Workload pods: a REST client and a pod informer (only
 * the pods Weft created, by label) per cluster, made on first use and dropped when the cluster
 * goes away or its connection fails, so a rotated kubeconfig is picked up.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { orgClusterKubeConfig } from '../../src/cluster/providers/access.js';
import type { OrgClusterLike } from '../../src/cluster/providers/types.js';
import type { OrgCluster } from '../../src/api/orgcluster/types.js';
import { PODS } from '../../src/operator/resources.js';
import { Informer } from '../../src/runtime/informer.js';
import { RestClient } from '../../src/runtime/rest.js';
import { POD_SELECTOR } from './plan.js';

export interface ClusterConnection {
  id: string;
  rest: RestClient;
  pods: Informer<V1Pod>;
  /** Namespaces known to exist there (created or found by the controller). */
  namespaces: Set<string>;
}

export class ClusterConnections {
  private readonly conns = new Map<string, Promise<ClusterConnection>>();
  private readonly opened = new Map<string, ClusterConnection>();

  constructor(
    private readonly hub: RestClient,
    private readonly onPod: (pod: V1Pod, cluster: string) => void,
    private readonly log: Logger,
  ) {}

  /** The connection to `oc` (namespace/name), opening it and syncing its pod cache on first use. */
  get(oc: OrgCluster): Promise<ClusterConnection> {
    const id = `${oc.metadata!.namespace}/${oc.metadata!.name}`;
    let c = this.conns.get(id);
    if (!c) {
      c = this.open(id, oc as unknown as OrgClusterLike);
      this.conns.set(id, c);
      void c.then(
        (conn) => this.conns.get(id) === c && this.opened.set(id, conn),
        () => this.conns.get(id) === c && this.conns.delete(id),
      );
    }
    return c;
  }

  /** The connections that are open (pod caches synced). */
  ready(): ClusterConnection[] {
    return [...this.opened.values()];
  }

  /** Drops a connection (cluster deleted, or its credentials stopped working). */
  async drop(id: string): Promise<void> {
    const c = this.conns.get(id);
    this.conns.delete(id);
    this.opened.delete(id);
    const conn = await c?.catch(() => undefined);
    await conn?.pods.stop();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.conns.keys()].map((id) => this.drop(id)));
  }

  private async open(id: string, oc: OrgClusterLike): Promise<ClusterConnection> {
    const kc = await orgClusterKubeConfig(this.hub, oc);
    const pods = new Informer<V1Pod>(kc, PODS, { labelSelector: POD_SELECTOR, log: this.log.child({ cluster: id }) });
    pods.on((_event, pod) => this.onPod(pod, id));
    await withTimeout(pods.start(), 15_000, `listing pods of OrgCluster ${id} timed out`).catch(async (err: unknown) => {
      await pods.stop();
      throw err;
    });
    this.log.info({ cluster: id }, 'watching Weft pods in cluster');
    return { id, rest: new RestClient(kc), pods, namespaces: new Set() };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(t));
}
