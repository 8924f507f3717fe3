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

export { BOUND_TO_ANNOTATION } from '../api/labels.js';

/** MeshNode status.allocated as quantity strings. */
export interface AllocatedList {
  cpu: string;
  memory: string;
  gpus?: Array<{ model: string; count: number }>;
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
  private readonly ahead = new Map<string, Decision>();

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

  /**
   * Places `req` and remembers the decision for the Workload controller (POST /schedule creates the
   * Workload after deciding; the controller then records this decision instead of deciding again).
   */
  placeAhead(req: PlacementRequest): Decision {
    const d = this.engine.place(req);
    if (d.placed) {
      this.ahead.set(req.id, d);
      this.changed({ org: req.org, node: d.decision?.node });
    }
    return d;
  }

  /** A decision made ahead by `placeAhead` whose binding still stands (consumed by the caller). */
  decisionFor(id: string): Decision | undefined {
    const d = this.ahead.get(id);
    this.ahead.delete(id);
    const b = this.engine.binding(id);
    return d && b && d.decision?.cluster === b.cluster && d.decision.node === b.node ? d : undefined;
  }

  /** Called with the org (and node) whose capacity or candidates changed. */
  onChange(fn: (change: { org?: string; node?: string }) => void): void {
    this.listeners.push(fn);
  }

  /** Forgets a Workload's binding (finished, deleted or rescheduled) and says which node freed up. */
  unbind(id: string): void {
    const b = this.engine.binding(id);
    if (!b) return;
    this.engine.unbind(id);
    this.ahead.delete(id);
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
