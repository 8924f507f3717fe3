/**
 * The placement engine: picks an (OrgCluster, MeshNode) pair for a Workload, and explains every
 * candidate it turned down. Pure and deterministic: no I/O, no clock, no randomness; the same nodes,
 * clusters and bindings give the same decision whatever order they were added in.
 *
 * State is incremental: clusters are indexed by org, each node keeps the sum of what is bound to it,
 * and spread counts per (group, topology key, value) are updated by bind/unbind, so a decision costs
 * O(candidates of the org), never O(workloads).
 */
import { parseTag, tagValues } from '../api/common/tags.js';
import { decisionMessage, reasons, selectorMismatch } from './explain.js';
import type { ClusterInfo, Decision, FilterName, NodeInfo, PlacementRequest, Rejection, Resources } from './types.js';

/** Weights of the score components (each component scores 0..1; the score is their weighted mean × 100). */
export interface PlacementWeights {
  /** Prefer nodes with the most free cpu, memory (and GPUs of the model taken) after placement. */
  leastAllocated: number;
  /** Prefer nodes whose cpu and memory stay equally used. */
  balanced: number;
  /** Prefer nodes whose tags (node ∪ cluster) carry the request's preferredTags. */
  preferred: number;
  /** Prefer topology values with fewer replicas of the request's group (only with spec.placement.spread). */
  spread: number;
}

/** Options of PlacementEngine. */
export interface PlacementEngineOptions {
  /** Overrides of DEFAULT_WEIGHTS; each a finite number ≥ 0. */
  weights?: Partial<PlacementWeights>;
}

/** The weights used when none are given. */
export const DEFAULT_WEIGHTS: Readonly<PlacementWeights> = Object.freeze({ leastAllocated: 1, balanced: 1, preferred: 2, spread: 1 });

/** At most this many losing feasible candidates are listed in a decision. */
export const MAX_ALTERNATIVES = 10;

/** The GPU key used for a bound request whose model could not be matched on its node (unknown node or model). */
export const UNRESOLVED_GPU_MODEL = 'unknown';

/** A tag a request wants: one exact tag (`gpu:a100`) or any value of a key (`gpu`, `gpu:*`), as tagMatches() defines. */
interface WantedTag {
  tag: string;
  key: string;
  anyValue: boolean;
}

function wantedTag(tag: string): WantedTag {
  const p = parseTag(tag);
  return { tag, key: p.key, anyValue: p.value === undefined || p.value === '*' };
}

/** A tag list indexed once, so that matching a wanted tag is a set lookup (same answers as hasTag()). */
class TagIndex {
  readonly tags: readonly string[];
  private readonly exact: Set<string>;
  private readonly keys: Set<string>;
  private readonly firstValues = new Map<string, string>();

  constructor(tags: readonly string[]) {
    this.tags = [...new Set(tags)].sort();
    this.exact = new Set(this.tags);
    this.keys = new Set(this.tags.map((t) => parseTag(t).key));
    for (const key of this.keys) {
      const values = tagValues(this.tags, key).sort();
      if (values[0] !== undefined) this.firstValues.set(key, values[0]);
    }
  }

  matches(w: WantedTag): boolean {
    return w.anyValue ? this.keys.has(w.key) : this.exact.has(w.tag);
  }

  /** The value of `key` (the first in sorted order when there are several). */
  value(key: string): string | undefined {
    return this.firstValues.get(key);
  }

  sameAs(tags: readonly string[]): boolean {
    const other = [...new Set(tags)].sort();
    return other.length === this.tags.length && other.every((t, i) => t === this.tags[i]);
  }
}

/** A GPU model group of a node. */
interface GpuGroupState {
  model: string;
  lower: string;
  total: number;
}

interface NodeEntry {
  info: NodeInfo;
  tags: TagIndex;
  /** Sorted by model name: the order in which GPU groups are tried. */
  gpuGroups: GpuGroupState[];
}

/** A node name's allocation; it outlives the MeshNode while workloads are still bound to it. */
interface NodeSlot {
  node?: NodeEntry;
  cpuMilli: number;
  memoryBytes: number;
  gpus: Map<string, number>;
  bound: Set<string>;
}

interface ClusterEntry {
  info: ClusterInfo;
  tags: TagIndex;
  /** Sorted, without duplicates. */
  hosts: string[];
}

interface Binding {
  id: string;
  cluster: string;
  node: string;
  group: string;
  cpuMilli: number;
  memoryBytes: number;
  gpu: number;
  /** Lower-cased gpuModel of the request, if any. */
  gpuModelWanted?: string;
  /** The GPU group the GPUs were taken from (UNRESOLVED_GPU_MODEL until the node shows a matching one). */
  gpuModel?: string;
  resolved: boolean;
}

/** A request compiled once per decision. */
interface Query {
  req: PlacementRequest;
  group: string;
  required: WantedTag[];
  preferred: Array<{ want: WantedTag; weight: number }>;
  preferredTotal: number;
  gpuModel?: string;
  avoid: Set<string>;
}

/** A candidate that passed the node filters. */
interface Fit {
  cluster: ClusterEntry;
  host: string;
  slot: NodeSlot;
  node: NodeEntry;
  gpuModel?: string;
  spreadCount: number;
  score: number;
}

type Checked = Rejection | Fit;
const isRejection = (c: Checked): c is Rejection => 'filter' in c;

/** The group a request counts in for spread: its own, else its namespace (the part of the id before "/"). */
export function groupOf(req: PlacementRequest): string {
  if (req.group) return req.group;
  const i = req.id.indexOf('/');
  return i < 0 ? '' : req.id.slice(0, i);
}

function checkWeights(w: PlacementWeights): PlacementWeights {
  for (const [name, value] of Object.entries(w)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`weights.${name}: ${value} must be a finite number >= 0`);
  }
  return w;
}

function compile(req: PlacementRequest): Query {
  const preferred = req.preferredTags.map((p) => ({ want: wantedTag(p.tag), weight: p.weight }));
  return {
    req,
    group: groupOf(req),
    required: req.requiredTags.map(wantedTag),
    preferred,
    preferredTotal: preferred.reduce((s, p) => s + Math.max(0, p.weight), 0),
    gpuModel: req.gpu > 0 && req.gpuModel ? req.gpuModel.toLowerCase() : undefined,
    avoid: new Set(req.avoid),
  };
}

/** Is `a` better than `b`: higher score, then cluster id, then node name (code-unit order, not locale). */
function better(a: Fit, b: Fit): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.cluster.info.id !== b.cluster.info.id) return a.cluster.info.id < b.cluster.info.id;
  return a.host < b.host;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const frac = (used: number, total: number): number => (total > 0 ? used / total : used > 0 ? 1 : 0);
const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

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
  private readonly clusters = new Map<string, ClusterEntry>();
  private readonly byOrg = new Map<string, ClusterEntry[]>();
  private readonly slots = new Map<string, NodeSlot>();
  private readonly bindings = new Map<string, Binding>();
  private readonly groups = new Map<string, Set<string>>();
  /** group → topology key → value → bound replicas; built per (group, key) on first use, then kept up to date. */
  private readonly spreadCounts = new Map<string, Map<string, Map<string, number>>>();

  constructor(opts: PlacementEngineOptions = {}) {
    this.weights = checkWeights({ ...DEFAULT_WEIGHTS, ...opts.weights });
  }

  /** Adds or replaces a MeshNode. */
  setNode(n: NodeInfo): void {
    const slot = this.slot(n.name);
    if (!slot.node || !slot.node.tags.sameAs(n.tags)) this.spreadCounts.clear();
    const gpuGroups = Object.entries(n.allocatable.gpus)
      .map(([model, total]) => ({ model, lower: model.toLowerCase(), total }))
      .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
    slot.node = { info: n, tags: new TagIndex(n.tags), gpuGroups };
    this.resolveGpus(slot);
  }

  /** Removes a MeshNode; workloads bound to it stay bound (and counted) until unbound. */
  deleteNode(name: string): void {
    const slot = this.slots.get(name);
    if (!slot?.node) return;
    slot.node = undefined;
    this.spreadCounts.clear();
    if (slot.bound.size === 0) this.slots.delete(name);
  }

  /** Adds or replaces an OrgCluster. */
  setCluster(c: ClusterInfo): void {
    const old = this.clusters.get(c.id);
    if (!old || !old.tags.sameAs(c.tags)) this.spreadCounts.clear();
    this.clusters.set(c.id, { info: c, tags: new TagIndex(c.tags), hosts: [...new Set(c.hosts)].sort() });
    if (old && old.info.org !== c.org) this.reindexOrg(old.info.org);
    this.reindexOrg(c.org);
  }

  /** Removes an OrgCluster; workloads bound to it stay bound until unbound. */
  deleteCluster(id: string): void {
    const old = this.clusters.get(id);
    if (!old) return;
    this.clusters.delete(id);
    this.spreadCounts.clear();
    this.reindexOrg(old.info.org);
  }

  /**
   * Records that a workload runs on `node` of `cluster`: its request counts against the node and
   * towards its group's spread. Binding an id again moves it. Never refuses: at startup the
   * controller rebuilds state from bound Workloads, which may over-commit a node whose capacity
   * shrank (the node then simply stops fitting). GPUs are taken from the first model group (in
   * model order) that matches and has enough free, else the first that matches.
   */
  bind(req: PlacementRequest, cluster: string, node: string): void {
    this.record(req, cluster, node, undefined);
  }

  /** Forgets a bound workload, returning its resources; unknown ids are ignored. */
  unbind(id: string): void {
    const b = this.bindings.get(id);
    if (!b) return;
    this.bindings.delete(id);
    const slot = this.slot(b.node);
    this.charge(slot, b, -1);
    slot.bound.delete(id);
    if (!slot.node && slot.bound.size === 0) this.slots.delete(b.node);
    const members = this.groups.get(b.group);
    members?.delete(id);
    if (members?.size === 0) this.groups.delete(b.group);
    this.countSpread(b, -1);
  }

  /** Is a workload with this id bound? */
  isBound(id: string): boolean {
    return this.bindings.has(id);
  }

  /** Where a workload is bound, if it is. */
  binding(id: string): { cluster: string; node: string } | undefined {
    const b = this.bindings.get(id);
    return b && { cluster: b.cluster, node: b.node };
  }

  /** The sum of the requests bound to a node (zero for a node with nothing bound). */
  allocated(node: string): Resources {
    const slot = this.slots.get(node);
    return { cpuMilli: slot?.cpuMilli ?? 0, memoryBytes: slot?.memoryBytes ?? 0, gpus: Object.fromEntries(slot?.gpus ?? []) };
  }

  /** Allocatable minus allocated; negative where a node is over-committed. */
  free(node: string): Resources {
    const slot = this.slots.get(node);
    const alloc = slot?.node?.info.allocatable ?? { cpuMilli: 0, memoryBytes: 0, gpus: {} };
    const gpus: Record<string, number> = { ...alloc.gpus };
    for (const [model, used] of slot?.gpus ?? []) gpus[model] = (gpus[model] ?? 0) - used;
    return { cpuMilli: alloc.cpuMilli - (slot?.cpuMilli ?? 0), memoryBytes: alloc.memoryBytes - (slot?.memoryBytes ?? 0), gpus };
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
    if (chosen) this.record(req, chosen.cluster.info.id, chosen.host, chosen.gpuModel);
    return decision;
  }

  /** decide() with the request's own earlier binding (if any) set aside, then put back unchanged. */
  private decideUnbound(req: PlacementRequest): { decision: Decision; chosen?: Fit } {
    const q = compile(req);
    const previous = this.bindings.get(req.id);
    if (!previous) return this.decide(q);
    this.unbind(req.id);
    try {
      return this.decide(q);
    } finally {
      this.restore(previous);
    }
  }

  private decide(q: Query): { decision: Decision; chosen?: Fit } {
    const clusters = this.byOrg.get(q.req.org) ?? [];
    const emptyClusters: string[] = [];
    const checked: Checked[] = [];
    for (const cl of clusters) {
      const rejection = this.checkCluster(q, cl);
      if (rejection) checked.push(rejection);
      else if (cl.hosts.length === 0) emptyClusters.push(cl.info.id);
      else for (const host of cl.hosts) checked.push(this.checkNode(q, cl, host));
    }
    const spread = q.req.spread ? this.applySpread(q, checked) : undefined;
    const rejected: Rejection[] = [];
    const top: Fit[] = [];
    let feasible = 0;
    for (const c of checked) {
      if (isRejection(c)) {
        rejected.push(c);
        continue;
      }
      feasible++;
      c.score = this.score(q, c, spread);
      keepTop(top, c, MAX_ALTERNATIVES + 1);
    }
    const best = top[0];
    const decisionOf = (f: Fit) => ({ cluster: f.cluster.info.id, node: f.host, score: f.score });
    const chosen = best && decisionOf(best);
    const message = decisionMessage({ org: q.req.org, noClusters: clusters.length === 0, emptyClusters, rejected, feasible, chosen });
    const decision: Decision = { placed: !!best, rejected, alternatives: top.slice(1).map(decisionOf), message };
    if (chosen) decision.decision = chosen;
    return { decision, chosen: best };
  }

  private checkCluster(q: Query, cl: ClusterEntry): Rejection | undefined {
    const id = cl.info.id;
    if (!cl.info.reachable) return { candidate: id, filter: 'ClusterUnreachable', reason: reasons.clusterUnreachable() };
    const mismatch = q.req.clusterSelector && selectorMismatch(q.req.clusterSelector, cl.info.labels);
    if (mismatch) return { candidate: id, filter: 'ClusterSelector', reason: mismatch };
    if (q.avoid.has(id)) return { candidate: id, filter: 'ClusterAvoided', reason: reasons.clusterAvoided(id) };
    return undefined;
  }

  private checkNode(q: Query, cl: ClusterEntry, host: string): Checked {
    const reject = (filter: FilterName, reason: string): Rejection => ({ candidate: `${cl.info.id}@${host}`, filter, reason });
    const slot = this.slots.get(host);
    const node = slot?.node;
    if (!slot || !node) return reject('NodeMissing', reasons.nodeMissing(host, cl.info.id));
    if (node.info.org !== q.req.org) return reject('NodeOrg', reasons.nodeOrg(node.info.org, q.req.org));
    if (q.avoid.has(host)) return reject('NodeAvoided', reasons.nodeAvoided(host));
    if (!node.info.ready) return reject('NodeNotReady', reasons.nodeNotReady());
    if (node.info.unschedulable) return reject('NodeCordoned', reasons.nodeCordoned());
    for (const w of q.required) {
      if (!node.tags.matches(w) && !cl.tags.matches(w)) return reject('RequiredTags', this.missingTags(q, node, cl));
    }
    const alloc = node.info.allocatable;
    const { cpuMilli, memoryBytes } = q.req;
    if (cpuMilli > alloc.cpuMilli - slot.cpuMilli) return reject('InsufficientCPU', reasons.cpu(cpuMilli, alloc.cpuMilli - slot.cpuMilli, alloc.cpuMilli));
    if (memoryBytes > alloc.memoryBytes - slot.memoryBytes) {
      return reject('InsufficientMemory', reasons.memory(memoryBytes, alloc.memoryBytes - slot.memoryBytes, alloc.memoryBytes));
    }
    let gpuModel: string | undefined;
    if (q.req.gpu > 0) {
      const groups = node.gpuGroups.filter((g) => q.gpuModel === undefined || g.lower.includes(q.gpuModel));
      if (q.gpuModel !== undefined && groups.length === 0) {
        return reject('GPUModel', reasons.gpuModel(q.req.gpuModel!, node.gpuGroups.map((g) => g.model)));
      }
      gpuModel = groups.find((g) => g.total - (slot.gpus.get(g.model) ?? 0) >= q.req.gpu)?.model;
      if (gpuModel === undefined) {
        const state = groups.map((g) => ({ model: g.model, free: g.total - (slot.gpus.get(g.model) ?? 0), total: g.total }));
        return reject('InsufficientGPU', reasons.gpu(q.req.gpu, state));
      }
    }
    return { cluster: cl, host, slot, node, gpuModel, spreadCount: 0, score: 0 };
  }

  private missingTags(q: Query, node: NodeEntry, cl: ClusterEntry): string {
    const missing = q.required.filter((w) => !node.tags.matches(w) && !cl.tags.matches(w)).map((w) => w.tag);
    const has = [...new Set([...node.tags.tags, ...cl.tags.tags])].sort();
    return reasons.requiredTags(missing, has);
  }

  /**
   * The SpreadSkew filter, run last over the candidates that passed every other filter: a candidate
   * without the topology key is rejected; one whose value would end up more than maxSkew replicas
   * above the least-used feasible value is rejected. Returns the counts' range for scoring.
   */
  private applySpread(q: Query, checked: Checked[]): { min: number; max: number } {
    const { topologyKey: key, maxSkew } = q.req.spread!;
    const counts = this.groupCounts(q.group, key);
    const values = new Map<Fit, string>();
    let min = Infinity;
    let max = 0;
    checked.forEach((c, i) => {
      if (isRejection(c)) return;
      const value = c.node.tags.value(key) ?? c.cluster.tags.value(key);
      if (value === undefined) {
        checked[i] = { candidate: `${c.cluster.info.id}@${c.host}`, filter: 'SpreadSkew', reason: reasons.spreadNoKey(key) };
        return;
      }
      c.spreadCount = counts.get(value) ?? 0;
      values.set(c, value);
      min = Math.min(min, c.spreadCount);
      max = Math.max(max, c.spreadCount);
    });
    checked.forEach((c, i) => {
      if (isRejection(c) || c.spreadCount + 1 - min <= maxSkew) return;
      const reason = reasons.spreadSkew({ key, value: values.get(c)!, count: c.spreadCount, min, maxSkew, group: q.group });
      checked[i] = { candidate: `${c.cluster.info.id}@${c.host}`, filter: 'SpreadSkew', reason };
    });
    return { min, max };
  }

  /** The candidate's score, 0..100 rounded to 2 decimals: the weighted mean of the components that apply. */
  private score(q: Query, f: Fit, spread: { min: number; max: number } | undefined): number {
    const alloc = f.node.info.allocatable;
    const cpu = frac(f.slot.cpuMilli + q.req.cpuMilli, alloc.cpuMilli);
    const mem = frac(f.slot.memoryBytes + q.req.memoryBytes, alloc.memoryBytes);
    const freeParts = [1 - cpu, 1 - mem];
    if (f.gpuModel !== undefined) freeParts.push(1 - frac((f.slot.gpus.get(f.gpuModel) ?? 0) + q.req.gpu, alloc.gpus[f.gpuModel] ?? 0));
    const w = this.weights;
    let sum = w.leastAllocated * clamp01(freeParts.reduce((a, b) => a + b, 0) / freeParts.length) + w.balanced * clamp01(1 - Math.abs(cpu - mem));
    let total = w.leastAllocated + w.balanced;
    if (q.preferredTotal > 0) {
      let matched = 0;
      for (const p of q.preferred) if (p.weight > 0 && (f.node.tags.matches(p.want) || f.cluster.tags.matches(p.want))) matched += p.weight;
      sum += w.preferred * (matched / q.preferredTotal);
      total += w.preferred;
    }
    if (spread) {
      sum += w.spread * (spread.max === spread.min ? 1 : (spread.max - f.spreadCount) / (spread.max - spread.min));
      total += w.spread;
    }
    return total > 0 ? round2((100 * sum) / total) : 0;
  }

  private record(req: PlacementRequest, cluster: string, node: string, gpuModel: string | undefined): void {
    this.unbind(req.id);
    const b: Binding = {
      id: req.id,
      cluster,
      node,
      group: groupOf(req),
      cpuMilli: req.cpuMilli,
      memoryBytes: req.memoryBytes,
      gpu: req.gpu,
      gpuModelWanted: req.gpu > 0 && req.gpuModel ? req.gpuModel.toLowerCase() : undefined,
      resolved: req.gpu === 0 || gpuModel !== undefined,
      gpuModel,
    };
    this.restore(b);
  }

  /** Adds a binding to the node, group and spread counts. */
  private restore(b: Binding): void {
    const slot = this.slot(b.node);
    if (b.gpu > 0 && b.gpuModel === undefined) this.resolveModel(b, slot);
    this.bindings.set(b.id, b);
    slot.bound.add(b.id);
    this.charge(slot, b, 1);
    let members = this.groups.get(b.group);
    if (!members) this.groups.set(b.group, (members = new Set()));
    members.add(b.id);
    this.countSpread(b, 1);
  }

  /** Picks the GPU group of a binding: first matching with enough free, else first matching, else unresolved. */
  private resolveModel(b: Binding, slot: NodeSlot): void {
    const groups = (slot.node?.gpuGroups ?? []).filter((g) => b.gpuModelWanted === undefined || g.lower.includes(b.gpuModelWanted));
    const pick = groups.find((g) => g.total - (slot.gpus.get(g.model) ?? 0) >= b.gpu) ?? groups[0];
    b.gpuModel = pick?.model ?? UNRESOLVED_GPU_MODEL;
    b.resolved = pick !== undefined;
  }

  /** A node (re)appeared: GPUs bound before its model was known are moved to a matching group. */
  private resolveGpus(slot: NodeSlot): void {
    for (const id of slot.bound) {
      const b = this.bindings.get(id)!;
      if (b.resolved) continue;
      this.charge(slot, b, -1);
      this.resolveModel(b, slot);
      this.charge(slot, b, 1);
    }
  }

  private charge(slot: NodeSlot, b: Binding, sign: 1 | -1): void {
    slot.cpuMilli += sign * b.cpuMilli;
    slot.memoryBytes += sign * b.memoryBytes;
    if (b.gpu > 0 && b.gpuModel !== undefined) {
      const left = (slot.gpus.get(b.gpuModel) ?? 0) + sign * b.gpu;
      if (left === 0) slot.gpus.delete(b.gpuModel);
      else slot.gpus.set(b.gpuModel, left);
    }
  }

  private slot(name: string): NodeSlot {
    let slot = this.slots.get(name);
    if (!slot) this.slots.set(name, (slot = { cpuMilli: 0, memoryBytes: 0, gpus: new Map(), bound: new Set() }));
    return slot;
  }

  private reindexOrg(org: string): void {
    const list = [...this.clusters.values()].filter((c) => c.info.org === org).sort((a, b) => (a.info.id < b.info.id ? -1 : 1));
    if (list.length) this.byOrg.set(org, list);
    else this.byOrg.delete(org);
  }

  /** The topology value of a (cluster, node) pair: the node's tag value, else the cluster's. */
  private topologyValue(cluster: string, node: string, key: string): string | undefined {
    return this.slots.get(node)?.node?.tags.value(key) ?? this.clusters.get(cluster)?.tags.value(key);
  }

  /** Replicas of `group` per value of `key`; built from the group's members on first use (a cache, not state). */
  private groupCounts(group: string, key: string): Map<string, number> {
    let byKey = this.spreadCounts.get(group);
    if (!byKey) this.spreadCounts.set(group, (byKey = new Map()));
    let counts = byKey.get(key);
    if (!counts) {
      byKey.set(key, (counts = new Map()));
      for (const id of this.groups.get(group) ?? []) {
        const b = this.bindings.get(id)!;
        const value = this.topologyValue(b.cluster, b.node, key);
        if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
      }
    }
    return counts;
  }

  private countSpread(b: Binding, sign: 1 | -1): void {
    for (const [key, counts] of this.spreadCounts.get(b.group) ?? []) {
      const value = this.topologyValue(b.cluster, b.node, key);
      if (value === undefined) continue;
      const n = (counts.get(value) ?? 0) + sign;
      if (n === 0) counts.delete(value);
      else counts.set(value, n);
    }
  }
}

/** Inserts `f` into `top` (best first) if it ranks among the first `limit`. */
function keepTop(top: Fit[], f: Fit, limit: number): void {
  if (top.length >= limit && !better(f, top[top.length - 1]!)) return;
  let i = top.length;
  while (i > 0 && better(f, top[i - 1]!)) i--;
  top.splice(i, 0, f);
  if (top.length > limit) top.pop();
}
