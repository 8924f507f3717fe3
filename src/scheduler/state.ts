/**
 * The placement engine's incremental state: nodes and clusters as set, clusters indexed by org,
 * what is bound to each node (so a node's free resources are a subtraction), and spread counts per
 * (group, topology key, value) kept up to date by bind and unbind. A decision reads this state and
 * so costs O(candidates of the org), never O(workloads).
 */
import { TagIds, TagIndex } from './tags.js';
import type { ClusterInfo, NodeInfo, PlacementRequest, Resources } from './types.js';

/** The GPU key used for a bound request whose model could not be matched on its node (unknown node or model). */
export const UNRESOLVED_GPU_MODEL = 'unknown';

/** A GPU model group of a node. */
export interface GpuGroupState {
  model: string;
  lower: string;
  total: number;
}

/** A MeshNode as set, with its tags indexed and its GPU groups in the order they are tried. */
export interface NodeEntry {
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
export interface NodeSlot {
  name: string;
  node?: NodeEntry;
  cpuMilli: number;
  memoryBytes: number;
  gpus: Map<string, number>;
  bound: Set<string>;
}

/** An OrgCluster as set, with its tags indexed and its hosts' slots. */
export interface ClusterEntry {
  info: ClusterInfo;
  tags: TagIndex;
  /** The hosts' slots, sorted by name, without duplicates. */
  hosts: NodeSlot[];
}

/** A workload bound to a (cluster, node) pair, and what it takes there. */
export interface Binding {
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

/** The group a request counts in for spread: its own, else its namespace (the part of the id before "/"). */
export function groupOf(req: PlacementRequest): string {
  if (req.group) return req.group;
  const i = req.id.indexOf('/');
  return i < 0 ? '' : req.id.slice(0, i);
}

/** The binding of `req` on (cluster, node), GPUs from `gpuModel` (undefined: resolved when restored). */
function bindingOf(req: PlacementRequest, cluster: string, node: string, gpuModel: string | undefined): Binding {
  return {
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
}

/** Adds (sign 1) or returns (sign -1) a binding's resources to its node's slot. */
function charge(slot: NodeSlot, b: Binding, sign: 1 | -1): void {
  slot.cpuMilli += sign * b.cpuMilli;
  slot.memoryBytes += sign * b.memoryBytes;
  if (b.gpu > 0 && b.gpuModel !== undefined) {
    const left = (slot.gpus.get(b.gpuModel) ?? 0) + sign * b.gpu;
    if (left === 0) slot.gpus.delete(b.gpuModel);
    else slot.gpus.set(b.gpuModel, left);
  }
}

/** Picks the GPU group of a binding: first matching with enough free, else first matching, else unresolved. */
function resolveModel(b: Binding, slot: NodeSlot): void {
  const groups = (slot.node?.gpuGroups ?? []).filter((g) => b.gpuModelWanted === undefined || g.lower.includes(b.gpuModelWanted));
  const pick = groups.find((g) => g.total - (slot.gpus.get(g.model) ?? 0) >= b.gpu) ?? groups[0];
  b.gpuModel = pick?.model ?? UNRESOLVED_GPU_MODEL;
  b.resolved = pick !== undefined;
}

/** Nodes, clusters and bindings, kept so that a decision reads them without recomputing anything. */
export class PlacementState {
  /** Ids of every tag and tag key of the nodes and clusters ever set. */
  readonly tagIds = new TagIds();
  private readonly clusters = new Map<string, ClusterEntry>();
  private readonly byOrg = new Map<string, ClusterEntry[]>();
  private readonly slots = new Map<string, NodeSlot>();
  private readonly bindings = new Map<string, Binding>();
  private readonly groups = new Map<string, Set<string>>();
  /** group → topology key → value → bound replicas; built per (group, key) on first use, then kept up to date. */
  private readonly spreadCounts = new Map<string, Map<string, Map<string, number>>>();

  /** The clusters of an org, sorted by id (undefined when the org has none). */
  clustersOf(org: string): ClusterEntry[] | undefined {
    return this.byOrg.get(org);
  }

  /** Adds or replaces a MeshNode (copied: later changes to `n` do not reach the state). */
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

  /** Adds or replaces an OrgCluster (copied: later changes to `c` do not reach the state). */
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

  /** Binds `req` to (cluster, node), moving an earlier binding of the same id. */
  record(req: PlacementRequest, cluster: string, node: string, gpuModel: string | undefined): void {
    this.unbind(req.id);
    this.restore(bindingOf(req, cluster, node, gpuModel));
  }

  /** Forgets a bound workload, returning its resources; unknown ids are ignored. */
  unbind(id: string): void {
    const b = this.bindings.get(id);
    if (!b) return;
    this.bindings.delete(id);
    const slot = this.slot(b.node);
    charge(slot, b, -1);
    slot.bound.delete(id);
    const members = this.groups.get(b.group);
    members?.delete(id);
    if (members?.size === 0) this.groups.delete(b.group);
    this.countSpread(b, -1);
  }

  /** Runs `fn` with the binding of `id` (if any) set aside, then puts it back unchanged. */
  withoutBinding<T>(id: string, fn: () => T): T {
    const previous = this.bindings.get(id);
    if (!previous) return fn();
    this.unbind(id);
    try {
      return fn();
    } finally {
      this.restore(previous);
    }
  }

  /** Where a workload is bound, if it is. */
  binding(id: string): Binding | undefined {
    return this.bindings.get(id);
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

  /** Replicas of `group` per value of `key`; built from the group's members on first use (a cache, not state). */
  groupCounts(group: string, key: string): Map<string, number> {
    let byKey = this.spreadCounts.get(group);
    if (!byKey) this.spreadCounts.set(group, (byKey = new Map()));
    let counts = byKey.get(key);
    if (!counts) byKey.set(key, (counts = this.countGroup(group, key)));
    return counts;
  }

  /** Adds a binding to the node, group and spread counts. */
  private restore(b: Binding): void {
    const slot = this.slot(b.node);
    if (b.gpu > 0 && b.gpuModel === undefined) resolveModel(b, slot);
    this.bindings.set(b.id, b);
    slot.bound.add(b.id);
    charge(slot, b, 1);
    let members = this.groups.get(b.group);
    if (!members) this.groups.set(b.group, (members = new Set()));
    members.add(b.id);
    this.countSpread(b, 1);
  }

  /** A node (re)appeared: GPUs bound before its model was known are moved to a matching group. */
  private resolveGpus(slot: NodeSlot): void {
    for (const id of slot.bound) {
      const b = this.bindings.get(id)!;
      if (b.resolved) continue;
      charge(slot, b, -1);
      resolveModel(b, slot);
      charge(slot, b, 1);
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

  /** Replicas of `group` per value of `key`, counted from the group's bound members. */
  private countGroup(group: string, key: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const id of this.groups.get(group) ?? []) {
      const b = this.bindings.get(id)!;
      const value = this.topologyValue(b.cluster, b.node, key);
      if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
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
