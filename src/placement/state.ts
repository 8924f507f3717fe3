/**
 * The placement engine kept in step with the operator's informer caches: MeshNodes, OrgClusters
 * and the Workloads already bound. One instance is shared by the Workload controller, the
 * MeshNode controller (for `status.allocated`) and `POST /api/v1/schedule`, so every decision in
 * the process sees every other one (Node.js runs `place()` to completion: decisions are serial).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { formatBytes, formatCpu } from '../api/common/quantity.js';
import type { MeshNode } from '../api/meshnode/types.js';
import type { OrgCluster } from '../api/orgcluster/types.js';
import type { Workload } from '../api/workload/types.js';
import { MESHNODES, ORGCLUSTERS, WORKLOADS } from '../api/resources.js';
import { errorMessage } from '../runtime/errors.js';
import type { Informer } from '../runtime/informer.js';
import type { Manager } from '../runtime/manager.js';
import { clusterInfo, nodeInfo, placementRequest } from '../scheduler/convert.js';
import { PlacementEngine } from '../scheduler/engine.js';
import type { Decision, PlacementRequest } from '../scheduler/types.js';

/** MeshNode status.allocated as quantity strings. */
export interface AllocatedList {
  cpu: string;
  memory: string;
  gpus?: Array<{ model: string; count: number }>;
}

/**
 * A placement decided in this process and not yet written to the Workload's `status.placement`:
 * the decision (score, rejections, message) and, once made, the pod created for it.
 */
export interface PendingPlacement {
  decision: Decision;
  pod?: { cluster: string; name: string; createdAt: number };
}

/** A Workload that ended (its capacity is free again). */
export const isFinished = (wl: Workload): boolean => wl.status?.phase === 'Succeeded' || wl.status?.phase === 'Failed';

export class SchedulingState {
  readonly engine = new PlacementEngine();
  readonly nodes: Informer<MeshNode & KubernetesObject>;
  readonly clusters: Informer<OrgCluster & KubernetesObject>;
  readonly workloads: Informer<Workload & KubernetesObject>;
  private readonly listeners: Array<(change: { org?: string; node?: string }) => void> = [];
  /** Org of each MeshNode (kept after deletion), to say whose pending Workloads to retry when it frees up. */
  private readonly orgOf = new Map<string, string>();
  /**
   * The one carrier of a placement decision between `place()` and the status write (POST /schedule
   * decides before the Workload exists; the controller creates the pod before writing the status).
   * It lives beside the engine's binding, which is the reservation: `unbind` forgets both, and a
   * decision whose binding moved is never returned. After a restart nothing is carried: the pod is
   * adopted by its labels, or the engine (deterministic) decides again.
   */
  private readonly decided = new Map<string, PendingPlacement>();

  constructor(mgr: Manager, private readonly log: Logger) {
    this.nodes = mgr.informer(MESHNODES);
    this.clusters = mgr.informer(ORGCLUSTERS);
    this.workloads = mgr.informer(WORKLOADS);
    // A MeshNode or OrgCluster that cannot be read (a malformed quantity) is logged and left out;
    // it must not stop the informer that feeds every other one.
    this.nodes.on((event, mn) => {
      const name = mn.metadata!.name!;
      if (event === 'delete') this.engine.deleteNode(name);
      else if (!this.tryOrWarn(`MeshNode ${name}`, () => this.engine.setNode(nodeInfo(mn)))) this.engine.deleteNode(name);
      if (mn.spec?.org) this.orgOf.set(`node/${name}`, mn.spec.org);
      this.changed({ org: mn.spec?.org }); // the MeshNode controller watches MeshNodes itself
    });
    this.clusters.on((event, oc) => {
      const id = `${oc.metadata!.namespace}/${oc.metadata!.name}`;
      if (event === 'delete') this.engine.deleteCluster(id);
      else if (!this.tryOrWarn(`OrgCluster ${id}`, () => this.engine.setCluster(clusterInfo(oc)))) this.engine.deleteCluster(id);
      this.changed({ org: oc.spec?.org });
    });
    this.workloads.on((event, wl) => {
      const id = `${wl.metadata!.namespace}/${wl.metadata!.name}`;
      if (event === 'delete' || isFinished(wl)) {
        this.unbind(id);
        return;
      }
      // Bind what is recorded as placed. A Workload seen without a placement is NOT unbound here:
      // its placement may be in flight (decided, status not yet written); the controller unbinds
      // explicitly when it reschedules.
      const p = wl.status?.placement;
      if (p?.cluster && p.node) {
        const b = this.engine.binding(id);
        if (b?.cluster === p.cluster && b.node === p.node) return;
        try {
          this.engine.bind(placementRequest(wl), p.cluster, p.node);
          this.changed({ node: p.node });
        } catch (err) {
          this.log.warn({ workload: id, err: errorMessage(err) }, 'cannot account for a placed Workload');
        }
      }
    });
  }

  /** Places `req` and carries the decision until `settled` (the controller's own placements: no change announced). */
  place(req: PlacementRequest): Decision {
    const d = this.engine.place(req);
    if (d.placed) this.decided.set(req.id, { decision: d });
    return d;
  }

  /**
   * Places `req` ahead of the Workload's creation (POST /schedule) and announces the change: the
   * Workload controller then records this decision instead of deciding again.
   */
  placeAhead(req: PlacementRequest): Decision {
    const d = this.place(req);
    if (d.placed) this.changed({ org: req.org, node: d.decision?.node });
    return d;
  }

  /** The decision carried for `id`, if its binding still stands. */
  pendingPlacement(id: string): PendingPlacement | undefined {
    const p = this.decided.get(id);
    const b = this.engine.binding(id);
    if (p && b && p.decision.decision?.cluster === b.cluster && p.decision.decision.node === b.node) return p;
    this.decided.delete(id);
    return undefined;
  }

  /** Notes the pod created for the carried decision of `id`. */
  podCreated(id: string, pod: { cluster: string; name: string; createdAt: number }): void {
    const p = this.decided.get(id);
    if (p) p.pod = pod;
  }

  /** The decision is in the Workload's status (or abandoned): stop carrying it; the binding stays. */
  settled(id: string): void {
    this.decided.delete(id);
  }

  /** Called with the org (and node) whose capacity or candidates changed. */
  onChange(fn: (change: { org?: string; node?: string }) => void): void {
    this.listeners.push(fn);
  }

  /** Forgets a Workload's binding (finished, deleted or rescheduled) and says which node freed up. */
  unbind(id: string): void {
    this.decided.delete(id);
    const b = this.engine.binding(id);
    if (!b) return;
    this.engine.unbind(id);
    this.changed({ org: this.orgOf.get(`node/${b.node}`), node: b.node });
  }

  /** MeshNode status.allocated for `node`. */
  allocatedOn(node: string): AllocatedList {
    const r = this.engine.allocated(node);
    const gpus = Object.entries(r.gpus).filter(([, n]) => n > 0).map(([model, count]) => ({ model, count }));
    return { cpu: formatCpu(r.cpuMilli / 1000), memory: formatBytes(r.memoryBytes), ...(gpus.length > 0 ? { gpus } : {}) };
  }

  private changed(change: { org?: string; node?: string }): void {
    for (const l of this.listeners) l(change);
  }

  private tryOrWarn(what: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.log.warn({ object: what, err: errorMessage(err) }, 'cannot use it for placement');
      return false;
    }
  }
}
