/**
 * The placement engine: picks an (OrgCluster, MeshNode) pair for a Workload, and explains every
 * candidate it turned down. Pure and deterministic: no I/O, no clock, no randomness; the same nodes,
 * clusters and bindings give the same decision whatever order they were added in.
 *
 * State is incremental (state.ts): clusters are indexed by org, each node keeps the sum of what is
 * bound to it, and spread counts per (group, topology key, value) are updated by bind/unbind, so a
 * decision costs O(candidates of the org), never O(workloads). A decision runs the filters
 * (filters.ts) over the candidates, scores those that fit (scores.ts) and explains (explain.ts).
 */
import { compile, newFit, reuseFit, type Fit, type Query } from './candidate.js';
import { decisionMessage } from './explain.js';
import { checkCluster, checkNode, checkSpread, spreadBounds } from './filters.js';
import { checkWeights, DEFAULT_WEIGHTS, keepIfBest, score, type PlacementWeights, type Tally } from './scores.js';
import { PlacementState, type ClusterEntry } from './state.js';
import type { ClusterInfo, Decision, NodeInfo, PlacementRequest, Resources } from './types.js';

export { DEFAULT_WEIGHTS, MAX_ALTERNATIVES, type PlacementWeights } from './scores.js';
export { UNRESOLVED_GPU_MODEL, groupOf } from './state.js';

/** Options of PlacementEngine. */
export interface PlacementEngineOptions {
  /** Overrides of DEFAULT_WEIGHTS; each a finite number ≥ 0. */
  weights?: Partial<PlacementWeights>;
}

const NO_CLUSTERS: readonly ClusterEntry[] = [];

const decisionOf = (f: Fit): { cluster: string; node: string; score: number } => ({ cluster: f.cluster.info.id, node: f.slot.name, score: f.score });

/**
 * Places Workloads on (OrgCluster, MeshNode) pairs: filters, scores, explains, and remembers what is
 * bound where.
 * @example
 * const engine = new PlacementEngine();
 * engine.setNode(nodeInfo(meshNode)); engine.setCluster(clusterInfo(orgCluster));
 * const d = engine.place(placementRequest(workload)); // d.placed, d.decision, d.rejected, d.message
 */
export class PlacementEngine {
  private readonly weights: PlacementWeights;
  private readonly state = new PlacementState();

  constructor(opts: PlacementEngineOptions = {}) {
    this.weights = checkWeights({ ...DEFAULT_WEIGHTS, ...opts.weights });
  }

  /** Adds or replaces a MeshNode (copied: later changes to `n` do not reach the engine). */
  setNode(n: NodeInfo): void {
    this.state.setNode(n);
  }

  /** Removes a MeshNode; workloads bound to it stay bound (and counted) until unbound. */
  deleteNode(name: string): void {
    this.state.deleteNode(name);
  }

  /** Adds or replaces an OrgCluster (copied: later changes to `c` do not reach the engine). */
  setCluster(c: ClusterInfo): void {
    this.state.setCluster(c);
  }

  /** Removes an OrgCluster; workloads bound to it stay bound until unbound. */
  deleteCluster(id: string): void {
    this.state.deleteCluster(id);
  }

  /**
   * Records that a workload runs on `node` of `cluster`: its request counts against the node and
   * towards its group's spread. Binding an id again moves it. Never refuses: at startup the
   * controller rebuilds state from bound Workloads, which may over-commit a node whose capacity
   * shrank (the node then simply stops fitting). GPUs are taken from the first model group (in
   * model order) that matches and has enough free, else the first that matches.
   */
  bind(req: PlacementRequest, cluster: string, node: string): void {
    this.state.record(req, cluster, node, undefined);
  }

  /** Forgets a bound workload, returning its resources; unknown ids are ignored. */
  unbind(id: string): void {
    this.state.unbind(id);
  }

  /** Is a workload with this id bound? */
  isBound(id: string): boolean {
    return this.state.binding(id) !== undefined;
  }

  /** Where a workload is bound, if it is. */
  binding(id: string): { cluster: string; node: string } | undefined {
    const b = this.state.binding(id);
    return b && { cluster: b.cluster, node: b.node };
  }

  /** The sum of the requests bound to a node (zero for a node with nothing bound). */
  allocated(node: string): Resources {
    return this.state.allocated(node);
  }

  /** Allocatable minus allocated; negative where a node is over-committed. */
  free(node: string): Resources {
    return this.state.free(node);
  }

  /**
   * Decides where `req` would go, without changing any state. A bound workload is evaluated as if
   * it were not bound (it does not compete with its own resources), as place() would re-place it.
   */
  evaluate(req: PlacementRequest): Decision {
    return this.decideUnbound(req).decision;
  }

  /**
   * Decides where `req` goes and, when it fits somewhere, binds it there (moving an earlier binding
   * of the same id; when nothing fits, an earlier binding stays). Only candidates that fit are ever
   * chosen, so place() never over-commits a node.
   */
  place(req: PlacementRequest): Decision {
    const { decision, chosen } = this.decideUnbound(req);
    if (chosen) this.state.record(req, chosen.cluster.info.id, chosen.slot.name, chosen.gpuModel ?? undefined);
    return decision;
  }

  /** decide() with the request's own earlier binding (if any) set aside, then put back unchanged. */
  private decideUnbound(req: PlacementRequest): { decision: Decision; chosen?: Fit } {
    const q = compile(req, this.state.tagIds);
    return this.state.withoutBinding(req.id, () => this.decide(q));
  }

  private decide(q: Query): { decision: Decision; chosen?: Fit } {
    const clusters = this.state.clustersOf(q.req.org) ?? NO_CLUSTERS;
    const t: Tally = { rejected: [], top: [], feasible: 0, emptyClusters: [] };
    // Spread needs every feasible candidate before it can judge one; without it, one Fit is reused.
    const spreading: Fit[] | undefined = q.req.spread ? [] : undefined;
    let scratch: Fit | undefined;
    for (const cl of clusters) {
      const r = checkCluster(q, cl);
      if (r) t.rejected.push(r);
      else if (cl.hosts.length === 0) t.emptyClusters.push(cl.info.id);
      else {
        for (const slot of cl.hosts) {
          const v = checkNode(q, cl, slot);
          if (v !== null && typeof v === 'object') t.rejected.push(v);
          else if (spreading) spreading.push(newFit(cl, slot, v));
          else this.rank(q, t, (scratch = reuseFit(scratch, cl, slot, v)));
        }
      }
    }
    if (spreading) this.spreadAndRank(q, t, spreading);
    return this.decision(q, t, clusters.length === 0);
  }

  /** Runs SpreadSkew over the candidates that passed the other filters and ranks those it keeps. */
  private spreadAndRank(q: Query, t: Tally, fits: Fit[]): void {
    const key = q.req.spread!.topologyKey;
    const bounds = spreadBounds(fits, { keyId: this.state.tagIds.peek(`${key}:*`), counts: this.state.groupCounts(q.group, key) });
    for (const f of fits) {
      const r = checkSpread(q, f, bounds);
      if (r) t.rejected.push(r);
      else this.rank(q, t, f);
    }
  }

  /** Scores a feasible candidate and keeps (a copy of) it if it is among the best. */
  private rank(q: Query, t: Tally, f: Fit): void {
    f.score = score(q, f, this.weights);
    keepIfBest(t, f);
  }

  /** The Decision of a tally: the best candidate (if any), the alternatives, every rejection and the message. */
  private decision(q: Query, t: Tally, noClusters: boolean): { decision: Decision; chosen?: Fit } {
    const best = t.top[0];
    const chosen = best && decisionOf(best);
    const { rejected, feasible, emptyClusters } = t;
    const message = decisionMessage({ org: q.req.org, noClusters, emptyClusters, rejected, feasible, chosen });
    const alternatives = t.top.slice(1).map(decisionOf);
    const decision: Decision = chosen
      ? { placed: true, decision: chosen, rejected, alternatives, message }
      : { placed: false, rejected, alternatives, message };
    return { decision, chosen: best };
  }
}
