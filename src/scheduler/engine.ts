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
import { decisionMessage, listText, reasons, selectorMismatch } from './explain.js';
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

/**
 * Small integer ids for tags (`gpu:a100`) and tag keys (written `gpu:*`), so that a tag set is a
 * bitset and matching is a bit test. Ids are handed out when nodes and clusters are set, never for
 * a request (an unknown wanted tag simply matches nothing), and live as long as the engine.
 */
class TagIds {
  private readonly ids = new Map<string, number>();

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) this.ids.set(s, (id = this.ids.size));
    return id;
  }

  /** The id of a tag or key form, or -1 when no node or cluster ever had it. */
  peek(s: string): number {
    return this.ids.get(s) ?? -1;
  }
}

/** A tag a request wants: one exact tag (`gpu:a100`) or any value of a key (`gpu`, `gpu:*`), as tagMatches() defines. */
interface WantedTag {
  tag: string;
  /** Id of the tag, or of its key form `key:*` when any value will do; -1 when no node or cluster has it. */
  id: number;
}

function wantedTag(ids: TagIds, tag: string): WantedTag {
  const p = parseTag(tag);
  const anyValue = p.value === undefined || p.value === '*';
  return { tag, id: ids.peek(anyValue ? `${p.key}:*` : tag) };
}

/**
 * A tag list indexed once: a bitset of its tags' and keys' ids, so that matching a wanted tag is a
 * bit test with the same answers as hasTag() (a bare key or `key:*` matches any value of the key).
 */
class TagIndex {
  readonly tags: readonly string[];
  private readonly bits: Uint32Array;
  private readonly ids: TagIds;
  /** The value of each key, by the id of the key's `key:*` form. */
  private readonly values: Array<string | undefined> = [];

  constructor(tags: readonly string[], ids: TagIds) {
    this.ids = ids;
    this.tags = [...new Set(tags)].sort();
    const keys = new Set(this.tags.map((t) => parseTag(t).key));
    const set = [...this.tags.map((t) => ids.intern(t)), ...[...keys].map((k) => ids.intern(`${k}:*`))];
    this.bits = new Uint32Array((Math.max(-1, ...set) >>> 5) + 1);
    for (const id of set) this.bits[id >>> 5]! |= 1 << (id & 31);
    for (const key of keys) {
      const values = tagValues(this.tags, key).sort();
      if (values[0] !== undefined) this.values[ids.intern(`${key}:*`)] = values[0];
    }
  }

  matches(w: WantedTag): boolean {
    return w.id >= 0 && ((this.bits[w.id >>> 5] ?? 0) & (1 << (w.id & 31))) !== 0;
  }

  /** The value of a key, by the id of its `key:*` form (the first in sorted order when there are several). */
  valueOf(keyId: number): string | undefined {
    return keyId >= 0 ? this.values[keyId] : undefined;
  }

  /** The value of `key` (the first in sorted order when there are several). */
  value(key: string): string | undefined {
    return this.valueOf(this.ids.peek(`${key}:*`));
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
  /** "node and cluster have …" text per cluster, built when a RequiredTags reason first needs it. */
  unionTags: WeakMap<ClusterEntry, string>;
}

/**
 * A node name's allocation. Slots are kept for every name ever seen (a few numbers each), so that
 * clusters can hold their hosts' slots directly and a MeshNode that comes back finds its bindings.
 */
interface NodeSlot {
  name: string;
  node?: NodeEntry;
  cpuMilli: number;
  memoryBytes: number;
  gpus: Map<string, number>;
  bound: Set<string>;
}

interface ClusterEntry {
  info: ClusterInfo;
  tags: TagIndex;
  /** The hosts' slots, sorted by name, without duplicates. */
  hosts: NodeSlot[];
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

/**
 * What the node filters say of a candidate: a Rejection, or that it fits, taking GPUs of this
 * model (a string) or none (null).
 */
type NodeVerdict = Rejection | string | null;

/** A candidate that passed the filters. */
interface Fit {
  cluster: ClusterEntry;
  slot: NodeSlot;
  node: NodeEntry;
  gpuModel: string | null;
  spreadValue: string | undefined;
  spreadCount: number;
  /** The spread component, 0..1 (only used when the request spreads). */
  spreadScore: number;
  score: number;
}

function newFit(cluster: ClusterEntry, slot: NodeSlot, gpuModel: string | null): Fit {
  return { cluster, slot, node: slot.node!, gpuModel, spreadValue: undefined, spreadCount: 0, spreadScore: 0, score: 0 };
}

function copyFit(f: Fit): Fit {
  return { cluster: f.cluster, slot: f.slot, node: f.node, gpuModel: f.gpuModel, spreadValue: f.spreadValue, spreadCount: f.spreadCount, spreadScore: f.spreadScore, score: f.score };
}

/** The same candidate moved into a reused Fit, to spare an allocation per feasible candidate. */
function reuseFit(f: Fit | undefined, cluster: ClusterEntry, slot: NodeSlot, gpuModel: string | null): Fit {
  if (!f) return newFit(cluster, slot, gpuModel);
  f.cluster = cluster;
  f.slot = slot;
  f.node = slot.node!;
  f.gpuModel = gpuModel;
  return f;
}

/** What the filters and scores made of the candidates of one decision. */
interface Tally {
  rejected: Rejection[];
  /** The best feasible candidates, best first, at most MAX_ALTERNATIVES + 1. */
  top: Fit[];
  feasible: number;
  emptyClusters: string[];
}

function rejection(cl: ClusterEntry, host: string, filter: FilterName, reason: string): Rejection {
  return { candidate: `${cl.info.id}@${host}`, filter, reason };
}

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

function compile(req: PlacementRequest, ids: TagIds): Query {
  const preferred = req.preferredTags.map((p) => ({ want: wantedTag(ids, p.tag), weight: p.weight }));
  return {
    req,
    group: groupOf(req),
    required: req.requiredTags.map((t) => wantedTag(ids, t)),
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
  return a.slot.name < b.slot.name;
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
  private readonly tagIds = new TagIds();
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

  /** Adds or replaces a MeshNode (copied: later changes to `n` do not reach the engine). */
  setNode(n: NodeInfo): void {
    const slot = this.slot(n.name);
    const old = slot.node;
    const sameTags = old !== undefined && old.tags.sameAs(n.tags);
    if (!sameTags) this.spreadCounts.clear();
    const info: NodeInfo = { ...n, tags: [...n.tags], allocatable: { ...n.allocatable, gpus: { ...n.allocatable.gpus } } };
    const gpuGroups = Object.entries(info.allocatable.gpus)
      .map(([model, total]) => ({ model, lower: model.toLowerCase(), total }))
      .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
    // Status updates (heartbeats) rarely change tags: keep the index and its cached reason texts.
    slot.node = sameTags ? { ...old, info, gpuGroups } : { info, tags: new TagIndex(info.tags, this.tagIds), gpuGroups, unionTags: new WeakMap() };
    this.resolveGpus(slot);
  }

  /** Removes a MeshNode; workloads bound to it stay bound (and counted) until unbound. */
  deleteNode(name: string): void {
    const slot = this.slots.get(name);
    if (!slot?.node) return;
    slot.node = undefined;
    this.spreadCounts.clear();
  }

  /** Adds or replaces an OrgCluster (copied: later changes to `c` do not reach the engine). */
  setCluster(c: ClusterInfo): void {
    const old = this.clusters.get(c.id);
    if (!old || !old.tags.sameAs(c.tags)) this.spreadCounts.clear();
    const info: ClusterInfo = { ...c, tags: [...c.tags], labels: { ...c.labels }, hosts: [...c.hosts] };
    const hosts = [...new Set(info.hosts)].sort().map((h) => this.slot(h));
    this.clusters.set(c.id, { info, tags: new TagIndex(info.tags, this.tagIds), hosts });
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
    if (chosen) this.record(req, chosen.cluster.info.id, chosen.slot.name, chosen.gpuModel ?? undefined);
    return decision;
  }

  /** decide() with the request's own earlier binding (if any) set aside, then put back unchanged. */
  private decideUnbound(req: PlacementRequest): { decision: Decision; chosen?: Fit } {
    const q = compile(req, this.tagIds);
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
    const t: Tally = { rejected: [], top: [], feasible: 0, emptyClusters: [] };
    // Spread needs every feasible candidate before it can judge one; without it, one Fit is reused.
    const spreading: Fit[] | undefined = q.req.spread ? [] : undefined;
    let scratch: Fit | undefined;
    for (const cl of clusters) {
      const r = this.checkCluster(q, cl);
      if (r) t.rejected.push(r);
      else if (cl.hosts.length === 0) t.emptyClusters.push(cl.info.id);
      else {
        for (const slot of cl.hosts) {
          const v = this.checkNode(q, cl, slot);
          if (v !== null && typeof v === 'object') t.rejected.push(v);
          else if (spreading) spreading.push(newFit(cl, slot, v));
          else this.rank(q, t, (scratch = reuseFit(scratch, cl, slot, v)));
        }
      }
    }
    if (spreading) this.spreadAndRank(q, t, spreading);
    const best = t.top[0];
    const decisionOf = (f: Fit) => ({ cluster: f.cluster.info.id, node: f.slot.name, score: f.score });
    const chosen = best && decisionOf(best);
    const { rejected, feasible, emptyClusters } = t;
    const message = decisionMessage({ org: q.req.org, noClusters: clusters.length === 0, emptyClusters, rejected, feasible, chosen });
    const alternatives = t.top.slice(1).map(decisionOf);
    const decision: Decision = chosen
      ? { placed: true, decision: chosen, rejected, alternatives, message }
      : { placed: false, rejected, alternatives, message };
    return { decision, chosen: best };
  }

  /** Scores a feasible candidate and keeps (a copy of) it if it is among the best. */
  private rank(q: Query, t: Tally, f: Fit): void {
    t.feasible++;
    f.score = this.score(q, f);
    const top = t.top;
    const limit = MAX_ALTERNATIVES + 1;
    if (top.length >= limit && !better(f, top[top.length - 1]!)) return;
    let i = top.length;
    while (i > 0 && better(f, top[i - 1]!)) i--;
    top.splice(i, 0, copyFit(f));
    if (top.length > limit) top.pop();
  }

  private checkCluster(q: Query, cl: ClusterEntry): Rejection | undefined {
    const id = cl.info.id;
    if (!cl.info.reachable) return { candidate: id, filter: 'ClusterUnreachable', reason: reasons.clusterUnreachable() };
    const mismatch = q.req.clusterSelector && selectorMismatch(q.req.clusterSelector, cl.info.labels);
    if (mismatch) return { candidate: id, filter: 'ClusterSelector', reason: mismatch };
    if (q.avoid.has(id)) return { candidate: id, filter: 'ClusterAvoided', reason: reasons.clusterAvoided(id) };
    return undefined;
  }

  /** The node filters, in order; the first that fails rejects. */
  private checkNode(q: Query, cl: ClusterEntry, slot: NodeSlot): NodeVerdict {
    const { node, name: host } = slot;
    if (!node) return rejection(cl, host, 'NodeMissing', reasons.nodeMissing(host, cl.info.id));
    if (node.info.org !== q.req.org) return rejection(cl, host, 'NodeOrg', reasons.nodeOrg(node.info.org, q.req.org));
    if (q.avoid.size && q.avoid.has(host)) return rejection(cl, host, 'NodeAvoided', reasons.nodeAvoided(host));
    if (!node.info.ready) return rejection(cl, host, 'NodeNotReady', reasons.nodeNotReady());
    if (node.info.unschedulable) return rejection(cl, host, 'NodeCordoned', reasons.nodeCordoned());
    for (const w of q.required) {
      if (!node.tags.matches(w) && !cl.tags.matches(w)) return rejection(cl, host, 'RequiredTags', this.missingTags(q, node, cl));
    }
    const alloc = node.info.allocatable;
    const { cpuMilli, memoryBytes } = q.req;
    const freeCpu = alloc.cpuMilli - slot.cpuMilli;
    if (cpuMilli > freeCpu) return rejection(cl, host, 'InsufficientCPU', reasons.cpu(cpuMilli, freeCpu, alloc.cpuMilli));
    const freeMemory = alloc.memoryBytes - slot.memoryBytes;
    if (memoryBytes > freeMemory) return rejection(cl, host, 'InsufficientMemory', reasons.memory(memoryBytes, freeMemory, alloc.memoryBytes));
    return q.req.gpu === 0 ? null : this.checkGpus(q, cl, slot);
  }

  /** GPUModel, then InsufficientGPU: all GPUs from one matching model group, the first in model order with enough free. */
  private checkGpus(q: Query, cl: ClusterEntry, slot: NodeSlot): NodeVerdict {
    const all = slot.node!.gpuGroups;
    const groups = q.gpuModel === undefined ? all : all.filter((g) => g.lower.includes(q.gpuModel!));
    if (groups.length === 0 && q.gpuModel !== undefined) {
      return rejection(cl, slot.name, 'GPUModel', reasons.gpuModel(q.req.gpuModel!, all.map((g) => g.model)));
    }
    for (const g of groups) if (g.total - (slot.gpus.get(g.model) ?? 0) >= q.req.gpu) return g.model;
    const state = groups.map((g) => ({ model: g.model, free: g.total - (slot.gpus.get(g.model) ?? 0), total: g.total }));
    return rejection(cl, slot.name, 'InsufficientGPU', reasons.gpu(q.req.gpu, state));
  }

  private missingTags(q: Query, node: NodeEntry, cl: ClusterEntry): string {
    const missing = q.required.filter((w) => !node.tags.matches(w) && !cl.tags.matches(w)).map((w) => w.tag);
    let has = node.unionTags.get(cl);
    if (has === undefined) node.unionTags.set(cl, (has = listText([...new Set([...node.tags.tags, ...cl.tags.tags])].sort())));
    return reasons.requiredTags(missing, has);
  }

  /**
   * The SpreadSkew filter, run over the candidates that passed every other filter (so its
   * rejections are listed after theirs): a candidate without the topology key is rejected; one
   * whose value would end up more than maxSkew replicas above the least-used feasible value is
   * rejected. The others are scored, fewer replicas on their value scoring higher.
   */
  private spreadAndRank(q: Query, t: Tally, fits: Fit[]): void {
    const { topologyKey: key, maxSkew } = q.req.spread!;
    const keyId = this.tagIds.peek(`${key}:*`);
    const counts = this.groupCounts(q.group, key);
    let min = Infinity;
    let max = 0;
    for (const f of fits) {
      f.spreadValue = f.node.tags.valueOf(keyId) ?? f.cluster.tags.valueOf(keyId);
      if (f.spreadValue === undefined) continue;
      f.spreadCount = counts.get(f.spreadValue) ?? 0;
      if (f.spreadCount < min) min = f.spreadCount;
      if (f.spreadCount > max) max = f.spreadCount;
    }
    for (const f of fits) {
      if (f.spreadValue === undefined) {
        t.rejected.push(rejection(f.cluster, f.slot.name, 'SpreadSkew', reasons.spreadNoKey(key)));
      } else if (f.spreadCount + 1 - min > maxSkew) {
        const reason = reasons.spreadSkew({ key, value: f.spreadValue, count: f.spreadCount, min, maxSkew, group: q.group });
        t.rejected.push(rejection(f.cluster, f.slot.name, 'SpreadSkew', reason));
      } else {
        f.spreadScore = max === min ? 1 : (max - f.spreadCount) / (max - min);
        this.rank(q, t, f);
      }
    }
  }

  /** The candidate's score, 0..100 rounded to 2 decimals: the weighted mean of the components that apply. */
  private score(q: Query, f: Fit): number {
    const alloc = f.node.info.allocatable;
    const cpu = frac(f.slot.cpuMilli + q.req.cpuMilli, alloc.cpuMilli);
    const mem = frac(f.slot.memoryBytes + q.req.memoryBytes, alloc.memoryBytes);
    const least =
      f.gpuModel === null
        ? (2 - cpu - mem) / 2
        : (3 - cpu - mem - frac((f.slot.gpus.get(f.gpuModel) ?? 0) + q.req.gpu, alloc.gpus[f.gpuModel] ?? 0)) / 3;
    const w = this.weights;
    let sum = w.leastAllocated * clamp01(least) + w.balanced * clamp01(1 - Math.abs(cpu - mem));
    let total = w.leastAllocated + w.balanced;
    if (q.preferredTotal > 0) {
      let matched = 0;
      for (const p of q.preferred) if (p.weight > 0 && (f.node.tags.matches(p.want) || f.cluster.tags.matches(p.want))) matched += p.weight;
      sum += w.preferred * (matched / q.preferredTotal);
      total += w.preferred;
    }
    if (q.req.spread) {
      sum += w.spread * f.spreadScore;
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
    if (!slot) this.slots.set(name, (slot = { name, cpuMilli: 0, memoryBytes: 0, gpus: new Map(), bound: new Set() }));
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
