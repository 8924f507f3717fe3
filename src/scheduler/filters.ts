/**
 * The filters of a decision, in the order they run: cluster filters (reachable, selector, avoid),
 * node filters (present, org, avoid, ready, cordon, required tags, cpu, memory, GPUs), and last
 * SpreadSkew, which needs every candidate that passed the others. The first filter that fails
 * rejects a candidate, with a reason from explain.ts.
 */
import type { Fit, Query } from './candidate.js';
import { listText, reasons, selectorMismatch } from './explain.js';
import type { ClusterEntry, NodeEntry, NodeSlot } from './state.js';
import type { FilterName, Rejection } from './types.js';

/**
 * What the node filters say of a candidate: a Rejection, or that it fits, taking GPUs of this
 * model (a string) or none (null).
 */
export type NodeVerdict = Rejection | string | null;

/** Bound spread counts of the request's group over its topology key, and the id of the key's `key:*` form. */
export interface SpreadView {
  keyId: number;
  counts: ReadonlyMap<string, number>;
}

/** A rejection of the candidate `host` of cluster `cl`. */
export function rejection(cl: ClusterEntry, host: string, filter: FilterName, reason: string): Rejection {
  return { candidate: `${cl.info.id}@${host}`, filter, reason };
}

/** The cluster filters: a Rejection of the whole cluster, or undefined when its hosts are candidates. */
export function checkCluster(q: Query, cl: ClusterEntry): Rejection | undefined {
  const id = cl.info.id;
  if (!cl.info.reachable) return { candidate: id, filter: 'ClusterUnreachable', reason: reasons.clusterUnreachable() };
  const mismatch = q.req.clusterSelector && selectorMismatch(q.req.clusterSelector, cl.info.labels);
  if (mismatch) return { candidate: id, filter: 'ClusterSelector', reason: mismatch };
  if (q.avoid.has(id)) return { candidate: id, filter: 'ClusterAvoided', reason: reasons.clusterAvoided(id) };
  return undefined;
}

/** The node filters, in order; the first that fails rejects. */
export function checkNode(q: Query, cl: ClusterEntry, slot: NodeSlot): NodeVerdict {
  const { node, name: host } = slot;
  if (!node) return rejection(cl, host, 'NodeMissing', reasons.nodeMissing(host, cl.info.id));
  if (node.info.org !== q.req.org) return rejection(cl, host, 'NodeOrg', reasons.nodeOrg(node.info.org, q.req.org));
  if (q.avoid.size && q.avoid.has(host)) return rejection(cl, host, 'NodeAvoided', reasons.nodeAvoided(host));
  if (!node.info.ready) return rejection(cl, host, 'NodeNotReady', reasons.nodeNotReady());
  if (node.info.unschedulable) return rejection(cl, host, 'NodeCordoned', reasons.nodeCordoned());
  for (const w of q.required) {
    if (!node.tags.matches(w) && !cl.tags.matches(w)) return rejection(cl, host, 'RequiredTags', missingTags(q, node, cl));
  }
  const alloc = node.info.allocatable;
  const { cpuMilli, memoryBytes } = q.req;
  const freeCpu = alloc.cpuMilli - slot.cpuMilli;
  if (cpuMilli > freeCpu) return rejection(cl, host, 'InsufficientCPU', reasons.cpu(cpuMilli, freeCpu, alloc.cpuMilli));
  const freeMemory = alloc.memoryBytes - slot.memoryBytes;
  if (memoryBytes > freeMemory) return rejection(cl, host, 'InsufficientMemory', reasons.memory(memoryBytes, freeMemory, alloc.memoryBytes));
  return q.req.gpu === 0 ? null : checkGpus(q, cl, slot);
}

/** GPUModel, then InsufficientGPU: all GPUs from one matching model group, the first in model order with enough free. */
function checkGpus(q: Query, cl: ClusterEntry, slot: NodeSlot): NodeVerdict {
  const all = slot.node!.gpuGroups;
  const groups = q.gpuModel === undefined ? all : all.filter((g) => g.lower.includes(q.gpuModel!));
  if (groups.length === 0 && q.gpuModel !== undefined) {
    return rejection(cl, slot.name, 'GPUModel', reasons.gpuModel(q.req.gpuModel!, all.map((g) => g.model)));
  }
  for (const g of groups) if (g.total - (slot.gpus.get(g.model) ?? 0) >= q.req.gpu) return g.model;
  const state = groups.map((g) => ({ model: g.model, free: g.total - (slot.gpus.get(g.model) ?? 0), total: g.total }));
  return rejection(cl, slot.name, 'InsufficientGPU', reasons.gpu(q.req.gpu, state));
}

/** The RequiredTags reason: the tags missing, and the tags node and cluster have (cached per pair). */
function missingTags(q: Query, node: NodeEntry, cl: ClusterEntry): string {
  const missing = q.required.filter((w) => !node.tags.matches(w) && !cl.tags.matches(w)).map((w) => w.tag);
  let has = node.unionTags.get(cl);
  if (has === undefined) node.unionTags.set(cl, (has = listText([...new Set([...node.tags.tags, ...cl.tags.tags])].sort())));
  return reasons.requiredTags(missing, has);
}

/** The fewest and most replicas of the group on the topology values of the candidates that have one. */
export interface SpreadBounds {
  min: number;
  max: number;
}

/**
 * The first half of SpreadSkew: finds each candidate's topology value (the node's tag, else the
 * cluster's) and its replica count, and the bounds of those counts over the candidates.
 */
export function spreadBounds(fits: readonly Fit[], spread: SpreadView): SpreadBounds {
  let min = Infinity;
  let max = 0;
  for (const f of fits) {
    f.spreadValue = f.node.tags.valueOf(spread.keyId) ?? f.cluster.tags.valueOf(spread.keyId);
    if (f.spreadValue === undefined) continue;
    f.spreadCount = spread.counts.get(f.spreadValue) ?? 0;
    if (f.spreadCount < min) min = f.spreadCount;
    if (f.spreadCount > max) max = f.spreadCount;
  }
  return { min, max };
}

/**
 * The SpreadSkew filter, run over the candidates that passed every other filter (so its
 * rejections are listed after theirs), once spreadBounds() has seen them all: a candidate without
 * the topology key is rejected; one whose value would end up more than maxSkew replicas above the
 * least-used feasible value is rejected. One that passes gets its spread score (fewer replicas on
 * its value scoring higher) and undefined is returned.
 */
export function checkSpread(q: Query, f: Fit, bounds: SpreadBounds): Rejection | undefined {
  const { topologyKey: key, maxSkew } = q.req.spread!;
  const { min, max } = bounds;
  if (f.spreadValue === undefined) return rejection(f.cluster, f.slot.name, 'SpreadSkew', reasons.spreadNoKey(key));
  if (f.spreadCount + 1 - min > maxSkew) {
    const reason = reasons.spreadSkew({ key, value: f.spreadValue, count: f.spreadCount, min, maxSkew, group: q.group });
    return rejection(f.cluster, f.slot.name, 'SpreadSkew', reason);
  }
  f.spreadScore = max === min ? 1 : (max - f.spreadCount) / (max - min);
  return undefined;
}
