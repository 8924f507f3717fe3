/**
 * The Workload controller: reads what `planWorkload` needs (caches, the carried placement
 * decision, the pod in its OrgCluster), plans, and applies the plan (pods, engine bindings, one
 * status write, Events). The decisions are in `plan.ts`; burst coalescing in `coalesce.ts`; the
 * connections to OrgClusters in `src/cluster/connections.ts`.
 */
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Workload, WorkloadStatus } from '../../src/api/workload/types.js';
import type { ControllerContext } from '../context.js';
import { PODS, WORKLOADS } from '../../src/api/resources.js';
import { ClusterConnections, podOf, type ClusterConnection } from '../../src/cluster/connections.js';
import { ensureFinalizer, errorMessage, EventRecorder, isConflict, isNotFound, removeFinalizer, RestClient, updateStatusIfChanged, type Manager } from '../../src/runtime/index.js';
import { findCondition } from '../../src/api/common/conditions.js';
import { placementRequest } from '../../src/scheduler/convert.js';
import type { SchedulingState } from '../../src/placement/state.js';
import { STATUS_COALESCE, StatusCoalescer } from './coalesce.js';
import { ensureNamespace } from './namespaces.js';
import { isFinished, ownPod, planWorkload, podName, stageOf, WORKLOAD_FINALIZER, workloadKeyOfPod, type WorkloadAction, type WorkloadObservation, type WorkloadPlan } from './plan.js';

export { STATUS_COALESCE } from './coalesce.js';

export interface WorkloadControllerOptions {
  /** How often Pending Workloads are retried even without a change (default 30 s). */
  retryPendingMs?: number;
  /** How long a new pod's status write waits, when quiet and during a burst (default STATUS_COALESCE; see coalesce.ts). */
  statusCoalesce?: { quietMs: number; burstMs: number };
}

type Wl = Workload & KubernetesObject;
type Ctx = ControllerContext & { scheduling: SchedulingState };

/**
 * Registers the Workload controller: places unbound Workloads with the shared engine, creates
 * their pod on the chosen node of the chosen OrgCluster, mirrors the pod's phase, places again
 * when the node or pod is lost (at most MAX_ATTEMPTS times), and deletes the pod on deletion.
 */
export function setupWorkloadController(ctx: Ctx, opts: WorkloadControllerOptions = {}): () => Promise<void> {
  const r = new WorkloadReconciler(ctx, opts);
  ctx.mgr.add({
    name: 'workload',
    for: WORKLOADS,
    // Reconciles wait on API calls (status, pod creation), not CPU: many keys in flight keep bursts moving.
    concurrency: 96,
    reconcile: ({ key, log }) => r.reconcile(key, log),
  });
  return () => r.stop();
}

class WorkloadReconciler {
  private readonly state: SchedulingState;
  private readonly mgr: Manager;
  private readonly rest: RestClient;
  private readonly events: EventRecorder;
  private readonly connections: ClusterConnections;
  private readonly ownConnections: boolean;
  private readonly coalescer: StatusCoalescer;
  private readonly timing: WorkloadObservation['timing'];
  /** org → keys of Pending Workloads (retried when capacity of the org frees up). */
  private readonly pending = new Map<string, Set<string>>();

  constructor(ctx: Ctx, opts: WorkloadControllerOptions) {
    this.state = ctx.scheduling;
    this.mgr = ctx.mgr;
    this.rest = new RestClient(ctx.kc);
    this.events = new EventRecorder(this.rest, 'workload', ctx.log);
    this.ownConnections = !ctx.connections;
    this.connections = ctx.connections ?? new ClusterConnections({ hub: this.rest, log: ctx.log });
    const coalesce = opts.statusCoalesce ?? STATUS_COALESCE;
    this.timing = { retryPendingMs: opts.retryPendingMs ?? 30_000, quietMs: coalesce.quietMs };
    this.coalescer = new StatusCoalescer({ ...coalesce, flush: (keys) => keys.forEach((k) => this.enqueue(k)) });
    this.watch(ctx.log);
  }

  async stop(): Promise<void> {
    this.coalescer.stop();
    await this.events.stop();
    if (this.ownConnections) await this.connections.stop();
  }

  async reconcile(key: string, log: Logger): Promise<{ requeueAfterMs: number } | undefined> {
    const wl = this.state.workloads.get(key);
    if (!wl) {
      this.coalescer.forget(key);
      this.state.unbind(key);
      for (const set of this.pending.values()) set.delete(key);
      return undefined;
    }
    if (stageOf(wl) === 'deleting') this.coalescer.forget(key);
    const plan = planWorkload(await this.observe(wl, key));
    return this.apply(wl, key, plan, log);
  }

  private enqueue(key: string): void {
    this.mgr.enqueue('workload', key);
  }

  /** The changes that must wake Workloads up: pods, capacity, lost nodes, reachable clusters. */
  private watch(log: Logger): void {
    this.connections.onPod((pod) => {
      const key = workloadKeyOfPod(pod);
      if (key) this.enqueue(key);
    });
    this.state.onChange(({ org, node }) => {
      if (org) for (const key of this.pending.get(org) ?? []) this.enqueue(key);
      if (node) this.mgr.enqueue('meshnode', node);
    });
    // A node that is lost must move its Workloads. Only a deletion or a Ready change can lose them,
    // so other MeshNode updates (capacity, allocation, tailnet) do not scan the Workloads.
    this.state.nodes.on((event, mn, old) => {
      const ready = (n: typeof mn | undefined) => findCondition(n?.status?.conditions, 'Ready')?.status;
      if (event === 'update' && ready(old) === ready(mn)) return;
      const name = mn.metadata!.name!;
      for (const wl of this.state.workloads.list()) if (wl.status?.placement?.node === name && !isFinished(wl)) this.enqueue(`${wl.metadata!.namespace}/${wl.metadata!.name}`);
    });
    // Watch the pods of every reachable cluster from the start, so that pods created just before a
    // restart are found (attemptPod) and none is orphaned.
    this.state.clusters.on((event, oc) => {
      const id = `${oc.metadata!.namespace}/${oc.metadata!.name}`;
      if (event === 'delete') void this.connections.drop(id);
      else if (findCondition(oc.status?.conditions, 'Reachable')?.status === 'True') this.connections.get(oc).catch((err: unknown) => log.debug({ cluster: id, err: errorMessage(err) }, 'cannot watch pods yet'));
    });
  }

  // --- read ---------------------------------------------------------------------------------

  private async observe(wl: Wl, key: string): Promise<WorkloadObservation> {
    const base: WorkloadObservation = { wl, now: new Date(), timing: this.timing };
    switch (stageOf(wl)) {
      case 'unplaced':
        return { ...base, ...(await this.observeUnplaced(wl, key)) };
      case 'placed':
        return { ...base, ...(await this.observePlaced(wl)) };
      default:
        return base;
    }
  }

  /** The carried decision, whether its pod's status write is held back, the attempt's pod, else a fresh decision. */
  private async observeUnplaced(wl: Wl, key: string): Promise<Partial<WorkloadObservation>> {
    const carried = this.state.pendingPlacement(key);
    if (carried?.pod) {
      const made = carried.pod;
      const conn = await this.connectionFor(made.cluster).catch(() => undefined);
      const holdMs = this.coalescer.holdBack(key, made.createdAt, () => {
        const pod = ownPod(wl, conn && podOf(conn, `${wl.metadata!.namespace}/${made.name}`));
        return conn !== undefined && (!pod || (pod.status?.phase ?? 'Pending') === 'Pending');
      });
      if (holdMs > 0) return { holdMs };
    }
    const attemptPod = await this.findAttemptPod(wl, key);
    if (attemptPod) return { attemptPod, ...(carried ? { decision: carried.decision } : {}) };
    const again = this.state.pendingPlacement(key);
    return { decision: again && !again.pod ? again.decision : this.state.place(placementRequest(wl)) };
  }

  /**
   * The pod of the Workload's next attempt, if one exists already: where the carried decision put
   * it, else in any connected cluster (made before a restart). A carried pod that is gone is
   * forgotten, so the Workload is placed again.
   */
  private async findAttemptPod(wl: Wl, key: string): Promise<{ cluster: string; pod: V1Pod } | undefined> {
    const name = podName(wl, (wl.status?.attempts ?? 0) + 1);
    const ns = wl.metadata!.namespace!;
    const made = this.state.pendingPlacement(key)?.pod;
    if (made) {
      const conn = await this.connectionFor(made.cluster).catch(() => undefined);
      const pod = conn ? (ownPod(wl, podOf(conn, `${ns}/${name}`)) ?? ownPod(wl, await conn.rest.get<V1Pod & KubernetesObject>(PODS, name, ns).catch(() => undefined))) : undefined;
      if (conn && pod) return { cluster: conn.id, pod };
      this.state.settled(key);
    }
    for (const conn of this.connections.ready()) {
      const pod = ownPod(wl, podOf(conn, `${ns}/${name}`));
      if (pod) return { cluster: conn.id, pod };
    }
    return undefined;
  }

  /** The OrgCluster and MeshNode of the placement, and (while they hold) the pod. */
  private async observePlaced(wl: Wl): Promise<Partial<WorkloadObservation>> {
    const { cluster, node } = wl.status!.placement as { cluster: string; node: string };
    const orgCluster = this.state.clusters.get(cluster);
    const meshNode = this.state.nodes.get(node);
    const ref = wl.status?.podRef;
    if (!orgCluster || !meshNode || !ref?.name || !ref.namespace) return { orgCluster, meshNode };
    let conn: ClusterConnection;
    try {
      conn = await this.connections.get(orgCluster);
    } catch (err) {
      return { orgCluster, meshNode, pod: { state: 'unknown', message: `cannot reach OrgCluster ${cluster}: ${errorMessage(err)}` } };
    }
    // The cache may lag the creation: ask the cluster before calling the pod lost.
    const pod =
      podOf(conn, `${ref.namespace}/${ref.name}`) ??
      (await conn.rest.get<V1Pod & KubernetesObject>(PODS, ref.name, ref.namespace).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      }));
    return { orgCluster, meshNode, pod: pod ? { state: 'present', pod } : { state: 'gone' } };
  }

  private async connectionFor(clusterId: string | undefined): Promise<ClusterConnection | undefined> {
    const oc = clusterId ? this.state.clusters.get(clusterId) : undefined;
    return oc ? this.connections.get(oc) : undefined;
  }

  // --- apply --------------------------------------------------------------------------------

  /** Actions in order, then one status write, then the Events. */
  private async apply(wl: Wl, key: string, plan: WorkloadPlan, log: Logger): Promise<{ requeueAfterMs: number } | undefined> {
    let current = wl;
    for (const action of plan.actions) current = await this.act(current, key, action, log);
    if (plan.status) {
      try {
        await this.writeStatus(current, plan.status);
      } catch (err) {
        if (isConflict(err)) return { requeueAfterMs: 50 };
        throw err;
      }
      // The decision is in status.placement now: nothing carries it any more.
      if (plan.status.placement?.node) this.state.settled(key);
    }
    for (const e of plan.events) void this.events.record(current, e.type, e.reason, e.message);
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }

  private async act(wl: Wl, key: string, action: WorkloadAction, log: Logger): Promise<Wl> {
    switch (action.type) {
      case 'addFinalizer':
        return ensureFinalizer(this.rest, WORKLOADS, wl, WORKLOAD_FINALIZER);
      case 'removeFinalizer':
        await removeFinalizer(this.rest, WORKLOADS, wl, WORKLOAD_FINALIZER).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        return wl;
      case 'createPod':
        await this.createPod(wl, key, action, log);
        return wl;
      case 'deletePod':
        await this.deletePod(action, log);
        return wl;
      case 'bind':
        if (this.state.engine.binding(key)?.node !== action.node) this.state.engine.bind(placementRequest(wl), action.cluster, action.node);
        return wl;
      case 'unbind':
        this.state.unbind(key);
        return wl;
      case 'awaitCapacity':
        this.awaitCapacity(key, wl.spec.org, action.waiting);
        return wl;
    }
  }

  private awaitCapacity(key: string, org: string, waiting: boolean): void {
    let set = this.pending.get(org);
    if (!waiting) set?.delete(key);
    else {
      if (!set) this.pending.set(org, (set = new Set()));
      set.add(key);
    }
  }

  /** Creates the pod where the engine bound the Workload; the binding is undone if nothing was created. */
  private async createPod(wl: Wl, key: string, action: { cluster: string; pod: V1Pod }, log: Logger): Promise<void> {
    let created: V1Pod;
    try {
      const conn = await this.connections.get(this.state.clusters.get(action.cluster)!);
      await ensureNamespace(conn, action.pod.metadata!.namespace!);
      created = await conn.rest.create<V1Pod & KubernetesObject>(PODS, action.pod as V1Pod & KubernetesObject);
    } catch (err) {
      this.state.unbind(key); // nothing was created: give the capacity back
      throw err;
    }
    this.state.podCreated(key, { cluster: action.cluster, name: action.pod.metadata!.name!, createdAt: this.coalescer.created() });
    log.debug({ cluster: action.cluster, node: action.pod.spec?.nodeName, pod: created.metadata?.name, workload: wl.metadata?.name }, 'placed; pod created');
  }

  private async deletePod(action: { cluster?: string; namespace: string; name: string; bestEffort: boolean }, log: Logger): Promise<void> {
    const conn = await this.connectionFor(action.cluster).catch((err: unknown) => {
      if (!action.bestEffort) log.warn({ err: errorMessage(err) }, 'cluster unreachable: the pod may outlive its Workload');
      return undefined;
    });
    if (!conn) return;
    await conn.rest.delete(PODS, action.name, action.namespace).catch((err: unknown) => {
      if (isNotFound(err)) return;
      if (!action.bestEffort) throw err;
      log.warn({ err: errorMessage(err) }, 'could not delete the lost pod');
    });
  }

  // Our own writes go into the cache at once: a reconcile triggered before the watch delivers them
  // must not act on the older object (it would place the Workload again, or go round a conflict).
  private async writeStatus(wl: Wl, status: WorkloadStatus): Promise<Wl> {
    try {
      const updated = await updateStatusIfChanged(this.rest, WORKLOADS, wl, status);
      if (updated !== wl) this.state.workloads.observeWrite(updated);
      return updated;
    } catch (err) {
      if (isNotFound(err)) return wl;
      throw err;
    }
  }
}
