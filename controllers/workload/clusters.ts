/**
 * Connections to the OrgClusters that run Workload pods: a REST client and a pod informer (only
 * the pods Weft created, by label) per cluster, made on first use and dropped when the cluster
 * goes away or its connection fails, so a rotated kubeconfig is picked up.
 *
 * OrgClusters whose kubeconfigs name the same API server and the same credentials share one
 * client and one pod watch (several OrgClusters carved out of one Kubernetes cluster): each pod
 * is then told apart by its `weft.dev/orgcluster` annotation (POD_CLUSTER_ANNOTATION).
 */
import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { orgClusterKubeConfig } from '../../src/cluster/providers/access.js';
import type { OrgClusterLike } from '../../src/cluster/providers/types.js';
import type { OrgCluster } from '../../src/api/orgcluster/types.js';
import { PODS } from '../../src/api/resources.js';
import { Informer } from '../../src/runtime/informer.js';
import type { KubeAccess } from '../../src/runtime/kubeconfig.js';
import { RestClient } from '../../src/runtime/rest.js';
import { POD_CLUSTER_ANNOTATION, POD_SELECTOR } from './plan.js';

export interface ClusterConnection {
  id: string;
  rest: RestClient;
  /** Weft's pods in that API server (shared by the OrgClusters on it: see `podOf`). */
  pods: Informer<V1Pod>;
  /** Namespaces made or being made there by the controller (one request each). */
  namespaces: Map<string, Promise<void>>;
}

/** What OrgClusters on one API server with one identity share. */
interface Transport {
  rest: RestClient;
  pods: Informer<V1Pod>;
  namespaces: Map<string, Promise<void>>;
  users: Set<string>;
}

/** The cached pod `namespace/name` of cluster `conn`, if it is there and belongs to that OrgCluster. */
export function podOf(conn: ClusterConnection, key: string): V1Pod | undefined {
  const pod = conn.pods.get(key);
  const owner = pod?.metadata?.annotations?.[POD_CLUSTER_ANNOTATION];
  return pod && (owner === undefined || owner === conn.id) ? pod : undefined;
}

export class ClusterConnections {
  private readonly conns = new Map<string, Promise<ClusterConnection>>();
  private readonly opened = new Map<string, ClusterConnection>();
  /** By fingerprint of server and credentials. */
  private readonly transports = new Map<string, Promise<Transport>>();
  private readonly transportOf = new Map<string, string>();

  constructor(
    private readonly hub: RestClient,
    private readonly onPod: (pod: V1Pod) => void,
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
    await c?.catch(() => undefined);
    const fp = this.transportOf.get(id);
    this.transportOf.delete(id);
    const tp = fp ? this.transports.get(fp) : undefined;
    const t = await tp?.catch(() => undefined);
    if (!t || !fp) return;
    t.users.delete(id);
    if (t.users.size === 0 && this.transports.get(fp) === tp) {
      this.transports.delete(fp);
      await t.pods.stop();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.conns.keys()].map((id) => this.drop(id)));
  }

  private async open(id: string, oc: OrgClusterLike): Promise<ClusterConnection> {
    const kc = await orgClusterKubeConfig(this.hub, oc);
    const fp = fingerprint(kc);
    let tp = this.transports.get(fp);
    if (!tp) {
      tp = this.connect(fp, kc);
      this.transports.set(fp, tp);
      void tp.catch(() => this.transports.get(fp) === tp && this.transports.delete(fp));
    }
    const t = await tp;
    t.users.add(id);
    this.transportOf.set(id, fp);
    return { id, rest: t.rest, pods: t.pods, namespaces: t.namespaces };
  }

  private async connect(fp: string, kc: KubeAccess): Promise<Transport> {
    const server = kc.getCurrentCluster()?.server;
    const pods = new Informer<V1Pod>(kc, PODS, { labelSelector: POD_SELECTOR, log: this.log.child({ server }) });
    pods.on((_event, pod) => this.onPod(pod));
    await withTimeout(pods.start(), 15_000, `listing pods at ${server} timed out`).catch(async (err: unknown) => {
      await pods.stop();
      throw err;
    });
    this.log.info({ server, fingerprint: fp.slice(0, 12) }, 'watching Weft pods in cluster');
    return { rest: new RestClient(kc), pods, namespaces: new Map(), users: new Set() };
  }
}

/** One per API server and identity: the server, its CA and the credentials, hashed. */
function fingerprint(kc: KubeAccess): string {
  return createHash('sha256').update(JSON.stringify([kc.getCurrentCluster(), kc.getCurrentUser()])).digest('hex');
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(t));
}
