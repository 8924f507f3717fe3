/**
 * What one decision works on: the request compiled once (its tags as ids, its group, its avoid
 * set) and the candidates that pass the filters, with what the scores need of them.
 */
import { groupOf, type ClusterEntry, type NodeEntry, type NodeSlot } from './state.js';
import { wantedTag, type TagIds, type WantedTag } from './tags.js';
import type { PlacementRequest } from './types.js';

/** A request compiled once per decision. */
export interface Query {
  req: PlacementRequest;
  group: string;
  required: WantedTag[];
  preferred: Array<{ want: WantedTag; weight: number }>;
  preferredTotal: number;
  gpuModel?: string;
  avoid: Set<string>;
}

/** Compiles a request against the tag ids known now (it hands out none). */
export function compile(req: PlacementRequest, ids: TagIds): Query {
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

/** A candidate that passed the filters. */
export interface Fit {
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

/** A candidate (cluster, host) that fits, taking GPUs of `gpuModel` (null: none). */
export function newFit(cluster: ClusterEntry, slot: NodeSlot, gpuModel: string | null): Fit {
  return { cluster, slot, node: slot.node!, gpuModel, spreadValue: undefined, spreadCount: 0, spreadScore: 0, score: 0 };
}

/** A copy of a candidate, to keep while the original is reused. */
export function copyFit(f: Fit): Fit {
  return { cluster: f.cluster, slot: f.slot, node: f.node, gpuModel: f.gpuModel, spreadValue: f.spreadValue, spreadCount: f.spreadCount, spreadScore: f.spreadScore, score: f.score };
}

/** The same candidate moved into a reused Fit, to spare an allocation per feasible candidate. */
export function reuseFit(f: Fit | undefined, cluster: ClusterEntry, slot: NodeSlot, gpuModel: string | null): Fit {
  if (!f) return newFit(cluster, slot, gpuModel);
  f.cluster = cluster;
  f.slot = slot;
  f.node = slot.node!;
  f.gpuModel = gpuModel;
  return f;
}
