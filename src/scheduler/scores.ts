/**
 * The scores of a decision: each feasible candidate gets the weighted mean (× 100, 2 decimals) of
 * least-allocated, balanced, preferred-tags and spread components, each 0..1; the best are kept in
 * order (score, then cluster id, then node name), at most MAX_ALTERNATIVES + 1 of them.
 */
import { copyFit, type Fit, type Query } from './candidate.js';
import type { Rejection } from './types.js';

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

/** The weights used when none are given. */
export const DEFAULT_WEIGHTS: Readonly<PlacementWeights> = Object.freeze({ leastAllocated: 1, balanced: 1, preferred: 2, spread: 1 });

/** At most this many losing feasible candidates are listed in a decision. */
export const MAX_ALTERNATIVES = 10;

/** What the filters and scores made of the candidates of one decision. */
export interface Tally {
  rejected: Rejection[];
  /** The best feasible candidates, best first, at most MAX_ALTERNATIVES + 1. */
  top: Fit[];
  feasible: number;
  emptyClusters: string[];
}

/** The weights, checked: each a finite number ≥ 0. */
export function checkWeights(w: PlacementWeights): PlacementWeights {
  for (const [name, value] of Object.entries(w)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`weights.${name}: ${value} must be a finite number >= 0`);
  }
  return w;
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

/** The candidate's score, 0..100 rounded to 2 decimals: the weighted mean of the components that apply. */
export function score(q: Query, f: Fit, w: PlacementWeights): number {
  const alloc = f.node.info.allocatable;
  const cpu = frac(f.slot.cpuMilli + q.req.cpuMilli, alloc.cpuMilli);
  const mem = frac(f.slot.memoryBytes + q.req.memoryBytes, alloc.memoryBytes);
  const least =
    f.gpuModel === null
      ? (2 - cpu - mem) / 2
      : (3 - cpu - mem - frac((f.slot.gpus.get(f.gpuModel) ?? 0) + q.req.gpu, alloc.gpus[f.gpuModel] ?? 0)) / 3;
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

/** Counts a scored feasible candidate and keeps (a copy of) it if it is among the best. */
export function keepIfBest(t: Tally, f: Fit): void {
  t.feasible++;
  const top = t.top;
  const limit = MAX_ALTERNATIVES + 1;
  if (top.length >= limit && !better(f, top[top.length - 1]!)) return;
  let i = top.length;
  while (i > 0 && better(f, top[i - 1]!)) i--;
  top.splice(i, 0, copyFit(f));
  if (top.length > limit) top.pop();
}
