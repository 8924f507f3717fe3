/**
 * The one way to reach the pods of OrgClusters: a REST client and a pod informer per API server and
 * identity, shared by the Workload controller (creates, adopts and mirrors pods), the dashboard and
 * the read API (`GET /api/v1/pods`). Connections are made on first use and dropped when the cluster
 * goes away or its connection fails, so a rotated kubeconfig is picked up.
 *
 * OrgClusters whose kubeconfigs name the same API server and the same credentials share one client
 * and one pod watch (several OrgClusters carved out of one Kubernetes cluster): each pod is then
 * told apart by its `weft.dev/orgcluster` annotation (POD_CLUSTER_ANNOTATION, see `podOf`).
 *
 * The watch covers Weft's pods only (by label) until a reader asks for every pod (`watchAllPods`,
 * the dashboard and the read API show them all): then each watch is replaced by one without a
 * selector, still one per API server and identity. An operator nobody browses never caches or
 * decodes other pods.
 */
import { createHash } from 'node:crypto';
import { HttpMethod, type V1Pod } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { POD_CLUSTER_ANNOTATION, POD_SELECTOR } from '../api/labels.js';
import type { OrgCluster } from '../api/orgcluster/types.js';
import { PODS } from '../api/resources.js';
import { Informer } from '../runtime/informer.js';
import type { KubeAccess } from '../runtime/kubeconfig.js';
import { resourcePath, RestClient } from '../runtime/rest.js';
import { orgClusterKubeConfig } from './providers/access.js';
import { describeError } from './providers/probe.js';
import type { OrgClusterLike } from './providers/types.js';

/** One OrgCluster's view of its API server. */
export interface ClusterConnection {
  /** The OrgCluster, namespace/name. */
  readonly id: string;
  readonly rest: RestClient;
  /** Pods in that API server (shared by the OrgClusters on it: read them through `podOf`/`podsOf`). */
  readonly pods: Informer<V1Pod>;
  /** Namespaces made or being made there by the controller (one request each). */
  readonly namespaces: Map<string, Promise<void>>;
}

/** What a reader can show of one OrgCluster's pods right now. */
export interface PodsView {
  state: 'ok' | 'syncing' | 'error';
  message?: string;
  items: V1Pod[];
}

/** What OrgClusters on one API server with one identity share. */
interface Transport {
  kc: KubeAccess;
  server?: string;
  rest: RestClient;
  pods: Informer<V1Pod>;
  all: boolean;
  widening?: Promise<void>;
  /** Why the watch last restarted, until the next event. */
  error?: string;
  namespaces: Map<string, Promise<void>>;
  users: Set<string>;
}

/** Does the cached pod belong to OrgCluster `id`? Pods without the annotation belong to every OrgCluster on the server. */
const belongsTo = (pod: V1Pod, id: string): boolean => {
  const owner = pod.metadata?.annotations?.[POD_CLUSTER_ANNOTATION];
  return owner === undefined || owner === id;
};

/** The cached pod `namespace/name` of cluster `conn`, if it is there and belongs to that OrgCluster. */
export function podOf(conn: ClusterConnection, key: string): V1Pod | undefined {
  const pod = conn.pods.get(key);
  return pod && belongsTo(pod, conn.id) ? pod : undefined;
}

/** Every cached pod of cluster `conn` that belongs to that OrgCluster. */
export function podsOf(conn: ClusterConnection): V1Pod[] {
  return conn.pods.list().filter((p) => belongsTo(p, conn.id));
}

export interface ClusterConnectionsOptions {
  /** The hub's client: reads the OrgClusters' kubeconfig Secrets. */
  hub: RestClient;
  log?: Logger;
  /** How long a reader waits before retrying a cluster that could not be reached (default 10 s). */
  retryMs?: number;
}

/** Connections to every OrgCluster in use; see the module comment. */
export class ClusterConnections {
  private readonly conns = new Map<string, Promise<ClusterConnection>>();
  private readonly opened = new Map<string, ClusterConnection>();
  /** By fingerprint of server and credentials. */
  private readonly transports = new Map<string, Promise<Transport>>();
  /** The transports whose connection is made (readers look without waiting). */
  private readonly settled = new Map<string, Transport>();
  private readonly transportOf = new Map<string, string>();
  /** Readers' view of clusters that could not be reached, and when to try again. */
  private readonly failures = new Map<string, { message: string; retryAt: number }>();
  private readonly podListeners: Array<(pod: V1Pod) => void> = [];
  private readonly changeListeners: Array<() => void> = [];
  private readonly hub: RestClient;
  private readonly log: Logger;
  private readonly retryMs: number;
  private all = false;

  constructor(o: ClusterConnectionsOptions) {
    this.hub = o.hub;
    this.log = o.log ?? pino({ level: 'silent' });
    this.retryMs = o.retryMs ?? 10_000;
  }

  /** Calls `fn` with every pod event of every connected API server. */
  onPod(fn: (pod: V1Pod) => void): void {
    this.podListeners.push(fn);
  }

  /** Calls `fn` when any pod, connection or watch state changes (for readers that re-render). */
  onChange(fn: () => void): void {
    this.changeListeners.push(fn);
  }

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

  /** From now on every watch covers every pod, not only Weft's (readers show them all). */
  async watchAllPods(): Promise<void> {
    if (this.all) return;
    this.all = true;
    const transports = await Promise.all([...this.transports.values()].map((tp) => tp.catch(() => undefined)));
    await Promise.all(transports.filter((t) => t !== undefined).map((t) => this.widen(t)));
  }

  /**
   * Every pod of `oc` (a reader's call: it waits for the connection and the wide watch), or the
   * reason it cannot be reached. Retried at most every `retryMs` after a failure.
   */
  async allPodsOf(oc: OrgCluster): Promise<V1Pod[]> {
    await this.watchAllPods();
    const id = `${oc.metadata!.namespace}/${oc.metadata!.name}`;
    const failed = this.failures.get(id);
    if (failed && Date.now() < failed.retryAt) throw new Error(failed.message);
    try {
      const conn = await this.get(oc);
      await this.widenConnection(id);
      this.failures.delete(id);
      return podsOf(conn);
    } catch (err) {
      this.failures.set(id, { message: describeError(err), retryAt: Date.now() + this.retryMs });
      throw new Error(describeError(err), { cause: err });
    }
  }

  /** What a reader can show of `oc`'s pods now, without waiting: opens the connection in the background. */
  podsNow(oc: OrgCluster): PodsView {
    const id = `${oc.metadata!.namespace}/${oc.metadata!.name}`;
    const conn = this.opened.get(id);
    const t = this.transportNow(id);
    if (conn && t?.all) return { state: 'ok', ...(t.error ? { message: t.error } : {}), items: podsOf(conn) };
    const failed = this.failures.get(id);
    if (!failed || Date.now() >= failed.retryAt) this.allPodsOf(oc).then(() => this.changed(), () => this.changed());
    return failed ? { state: 'error', message: failed.message, items: [] } : { state: 'syncing', items: [] };
  }

  /** Drops a connection (cluster deleted, or its credentials stopped working). */
  async drop(id: string): Promise<void> {
    const c = this.conns.get(id);
    this.conns.delete(id);
    this.opened.delete(id);
    this.failures.delete(id);
    await c?.catch(() => undefined);
    const fp = this.transportOf.get(id);
    this.transportOf.delete(id);
    const tp = fp ? this.transports.get(fp) : undefined;
    const t = await tp?.catch(() => undefined);
    if (!t || !fp) return;
    t.users.delete(id);
    if (t.users.size === 0 && this.transports.get(fp) === tp) {
      this.transports.delete(fp);
      this.settled.delete(fp);
      await t.widening?.catch(() => undefined);
      await t.pods.stop();
    }
  }

  /** Drops the connections of OrgClusters not in `ids` (namespace/name). */
  async retain(ids: Set<string>): Promise<void> {
    const gone = [...new Set([...this.conns.keys(), ...this.failures.keys()])].filter((id) => !ids.has(id));
    await Promise.all(gone.map((id) => this.drop(id)));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.conns.keys()].map((id) => this.drop(id)));
  }

  private transportNow(id: string): Transport | undefined {
    const fp = this.transportOf.get(id);
    return fp ? this.settled.get(fp) : undefined;
  }

  private async widenConnection(id: string): Promise<void> {
    const fp = this.transportOf.get(id);
    const t = fp ? await this.transports.get(fp) : undefined;
    if (t) await this.widen(t);
  }

  private async open(id: string, oc: OrgClusterLike): Promise<ClusterConnection> {
    const kc = await orgClusterKubeConfig(this.hub, oc);
    const fp = fingerprint(kc);
    let tp = this.transports.get(fp);
    if (!tp) {
      tp = this.connect(kc);
      this.transports.set(fp, tp);
      void tp.then(
        (t) => this.settled.set(fp, t),
        () => this.transports.get(fp) === tp && this.transports.delete(fp),
      );
    }
    const t = await tp;
    t.users.add(id);
    this.transportOf.set(id, fp);
    this.log.debug({ cluster: id, server: t.server, fingerprint: fp.slice(0, 12) }, 'OrgCluster connected');
    return {
      id,
      rest: t.rest,
      namespaces: t.namespaces,
      get pods() {
        return t.pods;
      },
    };
  }

  private async connect(kc: KubeAccess): Promise<Transport> {
    const server = kc.getCurrentCluster()?.server;
    const rest = new RestClient(kc);
    // One small list first: an unreachable cluster fails here with a clear reason, instead of a
    // watch that retries in the background.
    await withTimeout(rest.request(HttpMethod.GET, resourcePath(PODS), { query: { limit: 1, labelSelector: POD_SELECTOR } }), 15_000, `listing pods at ${server} timed out`);
    const t: Transport = { kc, server, rest, all: this.all, namespaces: new Map(), users: new Set(), pods: undefined as never };
    t.pods = await this.watch(t, this.all);
    this.log.info({ server, allPods: this.all }, 'watching pods in cluster');
    return t;
  }

  /** Replaces a transport's Weft-only watch by one of every pod; readers keep the old one until the new one has synced. */
  private widen(t: Transport): Promise<void> {
    if (t.all) return Promise.resolve();
    t.widening ??= this.watch(t, true).then(
      async (wide) => {
        const narrow = t.pods;
        t.pods = wide;
        t.all = true;
        this.log.info({ server: t.server }, 'watching every pod in cluster (the dashboard or the read API asked)');
        await narrow.stop();
      },
      (err: unknown) => {
        t.widening = undefined;
        throw err;
      },
    );
    return t.widening;
  }

  private async watch(t: Transport, all: boolean): Promise<Informer<V1Pod>> {
    const pods = new Informer<V1Pod>(t.kc, PODS, {
      ...(all ? {} : { labelSelector: POD_SELECTOR }),
      log: this.log.child({ server: t.server }),
      onRestart: (reason) => {
        t.error = `the watch on its pods failed (${reason}); retrying`;
        this.changed();
      },
    });
    pods.on((_event, pod) => {
      t.error = undefined;
      for (const fn of this.podListeners) fn(pod);
      this.changed();
    });
    await withTimeout(pods.start(), 15_000, `listing pods at ${t.server} timed out`).catch(async (err: unknown) => {
      await pods.stop();
      throw err;
    });
    return pods;
  }

  private changed(): void {
    for (const fn of this.changeListeners) fn();
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
