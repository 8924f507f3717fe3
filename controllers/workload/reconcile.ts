import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { Workload, WorkloadStatus } from '../../src/api/workload/types.js';
import type { ControllerContext } from '../context.js';
import { NAMESPACES, PODS, WORKLOADS } from '../../src/api/resources.js';
import {
  ensureFinalizer,
  errorMessage,
  EventRecorder,
  isAlreadyExists,
  isConflict,
  isDeleting,
  isNotFound,
  removeFinalizer,
  RestClient,
  statusCode,
  updateStatusIfChanged,
} from '../../src/runtime/index.js';
import { findCondition } from '../../src/api/common/conditions.js';
import { placementRequest } from '../../src/scheduler/convert.js';
import { BOUND_TO_ANNOTATION, type SchedulingState } from '../../src/placement/state.js';
import type { Decision } from '../../src/scheduler/types.js';
import { ClusterConnections, podOf, type ClusterConnection } from './clusters.js';
import {
  buildPod,
  podName,
  POD_LABELS,
  isFinished,
  MAX_ATTEMPTS,
  placementLost,
  podWasLost,
  statusClusterUnreachable,
  statusForDecision,
  statusForPod,
  statusForReschedule,
  statusGivenUp,
  WORKLOAD_FINALIZER,
  workloadKeyOfPod,
} from './plan.js';


export interface WorkloadControllerOptions {
  /** How often Pending Workloads are retried even without a change (default 30 s). */
  retryPendingMs?: number;
  /**
   * How long the status write after a pod's creation waits for the pod to leave Pending, so that
   * the placement and the first phase go into one write (default STATUS_COALESCE.quietMs), and how
   * long at most while a burst of pods is being created (default STATUS_COALESCE.burstMs).
   */
  statusCoalesce?: { quietMs: number; burstMs: number };
}

/**
 * The Workload's status takes its placement once the pod leaves Pending, or `quietMs` after the
 * pod was created, whichever is first: one write instead of two for the placement and the first
 * phase. While the controller is still creating pods (a burst), these writes wait longer (at most
 * `burstMs`): binding the pods goes first, and each status write then carries the pod's phase too.
 * The pod itself is created, and bound, at once; the `Scheduled` Event is recorded at once.
 */
export const STATUS_COALESCE = { quietMs: 1_000, burstMs: 10_000 };
/** A pod created this recently means a burst is under way. */
const BURST_GAP_MS = 300;

type Wl = Workload & KubernetesObject;

/**
 * Registers the Workload controller: places unbound Workloads with the shared engine, creates
 * their pod on the chosen node of the chosen OrgCluster, mirrors the pod's phase, places again
 * when the node or pod is lost (at most MAX_ATTEMPTS times), and deletes the pod on deletion.
 */
export function setupWorkloadController(ctx: ControllerContext & { scheduling: SchedulingState }, opts: WorkloadControllerOptions = {}): () => Promise<void> {
  const { scheduling: state, mgr, log } = ctx;
  const rest = new RestClient(ctx.kc);
  const events = new EventRecorder(rest, 'workload', log);
  const retryMs = opts.retryPendingMs ?? 30_000;
  const coalesce = opts.statusCoalesce ?? STATUS_COALESCE;
  let lastCreation = 0;
  const pending = new Map<string, Set<string>>(); // org → keys of Pending Workloads
  const connections = new ClusterConnections(
    rest,
    (pod) => {
      const key = workloadKeyOfPod(pod);
      if (key) mgr.enqueue('workload', key);
    },
    log,
  );

  state.onChange(({ org, node }) => {
    if (org) for (const key of pending.get(org) ?? []) mgr.enqueue('workload', key);
    if (node) mgr.enqueue('meshnode', node);
  });
  // A node that is lost must move its Workloads. Only a deletion or a Ready change can lose them,
  // so other MeshNode updates (capacity, allocation, tailnet) do not scan the Workloads.
  state.nodes.on((event, mn, old) => {
    const ready = (n: typeof mn | undefined) => findCondition(n?.status?.conditions, 'Ready')?.status;
    if (event === 'update' && ready(old) === ready(mn)) return;
    const name = mn.metadata!.name!;
    for (const wl of state.workloads.list()) if (wl.status?.placement?.node === name && !isFinished(wl)) mgr.enqueue('workload', `${wl.metadata!.namespace}/${wl.metadata!.name}`);
  });

  const setPending = (key: string, org: string, isPending: boolean) => {
    let set = pending.get(org);
    if (isPending) {
      if (!set) pending.set(org, (set = new Set()));
      set.add(key);
    } else set?.delete(key);
  };

  // Our own writes go into the cache at once: a reconcile triggered before the watch delivers them
  // must not act on the older object (it would place the Workload again, or go round a conflict).
  const writeStatus = async (wl: Wl, status: WorkloadStatus): Promise<Wl> => {
    try {
      const updated = await updateStatusIfChanged(rest, WORKLOADS, wl, status);
      if (updated !== wl) state.workloads.observeWrite(updated);
      return updated;
    } catch (err) {
      if (isNotFound(err)) return wl;
      throw err;
    }
  };

  const deletePod = async (conn: ClusterConnection | undefined, wl: Wl) => {
    const ref = wl.status?.podRef;
    if (!conn || !ref?.name || !ref.namespace) return;
    await conn.rest.delete(PODS, ref.name, ref.namespace).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  };

  const connectionFor = async (clusterId: string | undefined): Promise<ClusterConnection | undefined> => {
    const oc = clusterId ? state.clusters.get(clusterId) : undefined;
    return oc ? connections.get(oc) : undefined;
  };

  /**
   * Pods created whose status write has not landed yet: key → where, the decision that placed it,
   * and when the pod was created (see STATUS_COALESCE).
   */
  const creations = new Map<string, { cluster: string; name: string; decision: Decision; at: number }>();
  const ours = (wl: Wl, p: V1Pod | undefined) => (p && p.metadata?.labels?.[POD_LABELS.uid] === wl.metadata?.uid && !p.metadata?.deletionTimestamp && p.spec?.nodeName ? p : undefined);
  /** Keys held back during a burst: they are queued again as soon as it ends. */
  const held = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;
  const flushWhenQuiet = () => {
    flushTimer ??= setInterval(() => {
      if (Date.now() - lastCreation < BURST_GAP_MS) return;
      for (const key of held) mgr.enqueue('workload', key);
      held.clear();
      clearInterval(flushTimer);
      flushTimer = undefined;
    }, BURST_GAP_MS);
    flushTimer.unref();
  };
  /** Ms to hold back the status write of a pod this process created (STATUS_COALESCE). */
  const holdBack = async (wl: Wl, key: string): Promise<number> => {
    const made = creations.get(key);
    if (!made) return 0;
    const now = Date.now();
    const burstLeft = made.at + coalesce.burstMs - now;
    if (now - lastCreation < BURST_GAP_MS && burstLeft > 0) {
      held.add(key);
      flushWhenQuiet();
      return burstLeft;
    }
    const quietLeft = made.at + coalesce.quietMs - now;
    if (quietLeft <= 0) return 0;
    const conn = await connectionFor(made.cluster).catch(() => undefined);
    const pod = ours(wl, conn && podOf(conn, `${wl.metadata!.namespace}/${made.name}`));
    return conn && (!pod || (pod.status?.phase ?? 'Pending') === 'Pending') ? quietLeft : 0;
  };
  /** The pod of the Workload's next attempt, if one exists already in a connected cluster. */
  const findAttemptPod = async (wl: Wl, key: string): Promise<{ conn: ClusterConnection; pod: V1Pod } | undefined> => {
    const name = podName(wl, (wl.status?.attempts ?? 0) + 1);
    const ns = wl.metadata!.namespace!;
    const mine = creations.get(key);
    if (mine) {
      const conn = await connectionFor(mine.cluster).catch(() => undefined);
      const pod = conn ? (ours(wl, podOf(conn, `${ns}/${name}`)) ?? ours(wl, await conn.rest.get<V1Pod & KubernetesObject>(PODS, name, ns).catch(() => undefined))) : undefined;
      if (conn && pod) return { conn, pod };
      creations.delete(key);
    }
    for (const conn of connections.ready()) {
      const pod = ours(wl, podOf(conn, `${ns}/${name}`));
      if (pod) return { conn, pod };
    }
    return undefined;
  };
  // Watch the pods of every reachable cluster from the start, so that pods created just before a
  // restart are found (findAttemptPod) and none is orphaned.
  state.clusters.on((event, oc) => {
    const id = `${oc.metadata!.namespace}/${oc.metadata!.name}`;
    if (event === 'delete') void connections.drop(id);
    else if (findCondition(oc.status?.conditions, 'Reachable')?.status === 'True') connections.get(oc).catch((err: unknown) => log.debug({ cluster: id, err: errorMessage(err) }, 'cannot watch pods yet'));
  });

  /** Places again after a lost node or pod, or gives up after MAX_ATTEMPTS. */
  const reschedule = async (wl: Wl, key: string, why: string) => {
    await deletePod(await connectionFor(wl.status?.placement?.cluster).catch(() => undefined), wl).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not delete the lost pod'));
    state.unbind(key);
    const giveUp = (wl.status?.attempts ?? 0) >= MAX_ATTEMPTS;
    await writeStatus(wl, giveUp ? statusGivenUp(wl, why, new Date()) : statusForReschedule(wl, why, new Date()));
    await events.record(wl, 'Warning', giveUp ? 'GaveUp' : 'Rescheduling', why);
  };

  mgr.add({
    name: 'workload',
    for: WORKLOADS,
    // Reconciles wait on API calls (status, pod creation), not CPU: many keys in flight keep bursts moving.
    concurrency: 96,
    reconcile: async ({ key, log: rlog }) => {
      let wl = state.workloads.get(key);
      if (!wl || isDeleting(wl)) {
        creations.delete(key);
        held.delete(key);
      }
      if (!wl) {
        state.unbind(key);
        for (const set of pending.values()) set.delete(key);
        return;
      }
      const org = wl.spec.org;
      if (isDeleting(wl)) {
        setPending(key, org, false);
        const conn = await connectionFor(wl.status?.placement?.cluster).catch((err: unknown) => {
          rlog.warn({ err: errorMessage(err) }, 'cluster unreachable: the pod may outlive its Workload');
          return undefined;
        });
        await deletePod(conn, wl);
        state.unbind(key);
        await removeFinalizer(rest, WORKLOADS, wl, WORKLOAD_FINALIZER).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        return;
      }
      wl = await ensureFinalizer(rest, WORKLOADS, wl, WORKLOAD_FINALIZER);
      if (isFinished(wl)) {
        setPending(key, org, false);
        state.unbind(key);
        return;
      }

      const placement = wl.status?.placement;
      if (!placement?.node || !placement.cluster) {
        // The pod of this process's own creation: its status write may wait (STATUS_COALESCE).
        const wait = await holdBack(wl, key);
        if (wait > 0) return { requeueAfterMs: wait };
        // A pod made for this attempt whose status is not written yet (held back, a failed write,
        // or a restart in between): adopt it rather than place again.
        const adopted = await findAttemptPod(wl, key);
        if (adopted) {
          const req = placementRequest(wl);
          if (state.engine.binding(key)?.node !== adopted.pod.spec?.nodeName) state.engine.bind(req, adopted.conn.id, adopted.pod.spec!.nodeName!);
          const made = creations.get(key);
          const d: Decision = made?.decision.decision?.node === adopted.pod.spec?.nodeName ? made!.decision : { placed: true, decision: { cluster: adopted.conn.id, node: adopted.pod.spec!.nodeName!, score: 0 }, rejected: [], alternatives: [], message: `placed on ${adopted.conn.id}@${adopted.pod.spec?.nodeName} (adopted pod ${adopted.pod.metadata?.name})` };
          try {
            await writeStatus(wl, statusForPod({ ...wl, status: statusForDecision(wl, d, new Date()) }, adopted.pod, new Date()));
          } catch (err) {
            if (isConflict(err)) return { requeueAfterMs: 50 };
            throw err;
          }
          creations.delete(key);
          setPending(key, org, false);
          return;
        }
        const d = decide(state, wl, key);
        setPending(key, org, !d.placed);
        if (!d.placed || !d.decision) {
          try {
            await writeStatus(wl, statusForDecision(wl, d, new Date()));
          } catch (err) {
            if (isConflict(err)) return { requeueAfterMs: 50 };
            throw err;
          }
          if (findCondition(wl.status?.conditions, 'Scheduled')?.message !== d.message.slice(0, 32768)) await events.record(wl, 'Warning', 'FailedScheduling', d.message);
          return { requeueAfterMs: retryMs };
        }
        // Pod first, then one status write with the placement, the pod and (usually) its first
        // phase: the pod is bound as soon as it exists, and the next pass adopts it (findAttemptPod)
        // once it leaves Pending or the coalescing time is up, as it would after a crash.
        const { cluster, node } = d.decision;
        let created: V1Pod;
        try {
          const conn = await connections.get(state.clusters.get(cluster)!);
          const pod = buildPod(wl, cluster, node, (wl.status?.attempts ?? 0) + 1);
          await ensureNamespace(conn, pod.metadata!.namespace!);
          created = await conn.rest.create<V1Pod & KubernetesObject>(PODS, pod as V1Pod & KubernetesObject);
          lastCreation = Date.now();
          creations.set(key, { cluster, name: pod.metadata!.name!, decision: d, at: lastCreation });
        } catch (err) {
          state.unbind(key); // nothing was created: give the capacity back
          throw err;
        }
        void events.record(wl, 'Normal', 'Scheduled', d.message);
        rlog.debug({ cluster, node, pod: created.metadata?.name }, 'placed; pod created');
        return { requeueAfterMs: coalesce.quietMs };
      }
      setPending(key, org, false);
      const cluster = placement.cluster!;
      const node = placement.node!;

      const oc = state.clusters.get(cluster);
      const lost = placementLost(cluster, node, oc, state.nodes.get(node)) ?? (wl.status?.podRef?.name ? undefined : `no pod is recorded for the placement on ${cluster}@${node}`);
      if (lost) {
        await reschedule(wl, key, lost);
        return;
      }

      let conn: ClusterConnection;
      try {
        conn = await connections.get(oc!);
      } catch (err) {
        const message = `cannot reach OrgCluster ${cluster}: ${errorMessage(err)}`;
        await writeStatus(wl, statusClusterUnreachable(wl, message, new Date()));
        await events.record(wl, 'Warning', 'ClusterUnreachable', message);
        return { requeueAfterMs: 10_000 };
      }

      const ref = wl.status!.podRef! as { name: string; namespace: string; uid?: string };
      let pod = podOf(conn, `${ref.namespace}/${ref.name}`);
      if (!pod) {
        // The cache may lag the creation: ask the cluster before calling the pod lost.
        pod = await conn.rest.get<V1Pod & KubernetesObject>(PODS, ref.name, ref.namespace).catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
      }
      if (!pod || (ref.uid && pod.metadata?.uid !== ref.uid)) {
        await reschedule(wl, key, `pod ${ref.namespace}/${ref.name} in ${cluster} was deleted`);
        return;
      }
      const lostPod = podWasLost(pod);
      if (lostPod) {
        await reschedule(wl, key, lostPod);
        return;
      }
      const before = wl.status?.phase;
      const updated = await writeStatus(wl, statusForPod(wl, pod, new Date()));
      const after = updated.status?.phase;
      if (after !== before && (after === 'Succeeded' || after === 'Failed')) {
        state.unbind(key);
        await events.record(wl, after === 'Failed' ? 'Warning' : 'Normal', after, findCondition(updated.status?.conditions, 'Ready')?.message ?? after);
      }
      return;
    },
  });
  return async () => {
    clearInterval(flushTimer);
    await events.stop();
    await connections.stop();
  };
}

/**
 * The decision for an unplaced Workload: the one `POST /schedule` already made (annotation, or a
 * binding in this process), else a fresh placement.
 */
function decide(state: SchedulingState, wl: Wl, key: string): Decision {
  const made = state.decisionFor(key);
  if (made) return made;
  const req = placementRequest(wl);
  const hint = wl.metadata?.annotations?.[BOUND_TO_ANNOTATION];
  if (hint) {
    const [cluster, node] = hint.split('@');
    const d = state.engine.evaluate({ ...req });
    const chosen = [...(d.decision ? [d.decision] : []), ...d.alternatives].find((a) => a.cluster === cluster && a.node === node);
    if (chosen) {
      state.engine.bind(req, chosen.cluster, chosen.node);
      return { ...d, decision: chosen, placed: true, message: `placed on ${cluster}@${node} (chosen by POST /api/v1/schedule)` };
    }
  }
  return state.engine.place(req);
}

/** Creates the namespace in the cluster once: concurrent callers share one request. */
function ensureNamespace(conn: ClusterConnection, ns: string): Promise<void> {
  let made = conn.namespaces.get(ns);
  if (!made) {
    made = conn.rest.create(NAMESPACES, { metadata: { name: ns, labels: { 'app.kubernetes.io/managed-by': 'weft' } } }).then(
      () => undefined,
      async (err: unknown) => {
        if (isAlreadyExists(err) || isConflict(err)) return;
        // Credentials that may not create namespaces (a namespaced role): fine if it exists.
        if (statusCode(err) === 403 && (await conn.rest.get(NAMESPACES, ns).then(() => true, () => false))) return;
        conn.namespaces.delete(ns); // the next pass tries again
        throw err;
      },
    );
    conn.namespaces.set(ns, made);
  }
  return made;
}
