/**
 * Why a candidate was rejected, in words: one reason per filter, each naming the value found and
 * what was needed, and the one-line kube-scheduler style summary of a decision. Kept apart from the
 * engine so that the strings users read (in `kubectl describe workload`) live in one place.
 */
import { formatBytes } from '../api/common/quantity.js';
import type { LabelSelector, LabelSelectorRequirement } from '../api/common/types.js';
import type { FilterName, Rejection } from './types.js';

/** Milli-CPU as cores, the way a person writes them: 2500 → "2.5", 100 → "0.1", 4000 → "4". */
export function cpuText(milli: number): string {
  return String(Math.max(0, milli) / 1000);
}

/** Bytes with the largest exact binary suffix: 8 GiB → "8Gi" (negative shown as 0). */
export function memoryText(bytes: number): string {
  return formatBytes(Math.max(0, bytes));
}

/** A list for a reason: "a, b" or "(none)". */
export function listText(items: readonly string[]): string {
  return items.length ? items.join(', ') : '(none)';
}

/** Reasons of the filters, by filter name. */
export const reasons = {
  clusterUnreachable: (): string => 'needs Reachable=True, cluster is not reachable (Reachable condition not True)',
  clusterAvoided: (id: string): string => `cluster ${id} is listed in spec.placement.avoid`,
  nodeAvoided: (node: string): string => `node ${node} is listed in spec.placement.avoid`,
  nodeMissing: (node: string, cluster: string): string => `no MeshNode ${node} (listed in spec.hosts of ${cluster})`,
  nodeOrg: (nodeOrg: string, org: string): string => `node belongs to org ${nodeOrg}, needs org ${org}`,
  nodeNotReady: (): string => 'needs Ready=True, node is not Ready (no fresh heartbeat)',
  nodeCordoned: (): string => 'node is cordoned (spec.unschedulable: true)',
  /** `has` is the node's and cluster's tags as listText() writes them. */
  requiredTags: (missing: readonly string[], has: string): string => `missing tags ${missing.join(', ')}; node and cluster have ${has}`,
  cpu: (need: number, free: number, total: number): string => `needs cpu ${cpuText(need)}, node has ${cpuText(free)} free of ${cpuText(total)}`,
  memory: (need: number, free: number, total: number): string =>
    `needs memory ${memoryText(need)}, node has ${memoryText(free)} free of ${memoryText(total)}`,
  gpuModel: (model: string, models: readonly string[]): string =>
    `needs gpu model ${model}, has ${models.length ? models.join(', ') : 'no GPUs'}`,
  gpu: (need: number, groups: ReadonlyArray<{ model: string; free: number; total: number }>): string => {
    if (!groups.length) return `needs gpu ${need}, node has no GPUs`;
    const what = groups.map((g) => `${Math.max(0, g.free)} free of ${g.total} ${g.model}`).join(', ');
    return `needs gpu ${need}${groups.length > 1 ? ' from one model' : ''}, node has ${what}`;
  },
  spreadNoKey: (key: string): string => `needs a ${key} tag to spread over ${key}, node and cluster have none`,
  spreadSkew: (o: { key: string; value: string; count: number; min: number; maxSkew: number; group: string }): string =>
    `${o.key}:${o.value} would have ${o.count + 1} replicas of group ${o.group}, min is ${o.min}; skew ${o.count + 1 - o.min} > maxSkew ${o.maxSkew}`,
};

/** Why a label set fails one requirement of a selector, or undefined when it matches. */
function requirementMismatch(r: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): string | undefined {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  const found = has ? `has ${r.key}=${value}` : `has no ${r.key} label`;
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(value!) ? undefined : `needs ${r.key} in (${values.join(', ')}), ${found}`;
    case 'NotIn':
      return has && values.includes(value!) ? `needs ${r.key} notin (${values.join(', ')}), ${found}` : undefined;
    case 'Exists':
      return has ? undefined : `needs label ${r.key}, ${found}`;
    case 'DoesNotExist':
      return has ? `needs no ${r.key} label, ${found}` : undefined;
    default:
      return `unknown selector operator ${JSON.stringify(r.operator)} (use In, NotIn, Exists or DoesNotExist)`;
  }
}

/**
 * Why an OrgCluster's labels do not match a label selector (Kubernetes semantics: every matchLabels
 * entry and every matchExpressions term must hold; NotIn and DoesNotExist match an absent key), or
 * undefined when they match.
 * @example selectorMismatch({ matchLabels: { env: 'prod' } }, { env: 'dev' }) // "needs label env=prod, has env=dev"
 */
export function selectorMismatch(selector: LabelSelector, labels: Readonly<Record<string, string>>): string | undefined {
  for (const [key, want] of Object.entries(selector.matchLabels ?? {})) {
    if (want === undefined || labels[key] === want) continue;
    return `needs label ${key}=${want}, ${Object.hasOwn(labels, key) ? `has ${key}=${labels[key]}` : `has no ${key} label`}`;
  }
  for (const r of selector.matchExpressions ?? []) {
    const why = requirementMismatch(r, labels);
    if (why) return why;
  }
  return undefined;
}

/** "5 InsufficientGPU, 7 NodeNotReady": rejections counted per filter, filters in alphabetical order. */
export function rejectionSummary(rejected: readonly Rejection[]): string {
  const counts = new Map<FilterName, number>();
  for (const r of rejected) counts.set(r.filter, (counts.get(r.filter) ?? 0) + 1);
  return [...counts.keys()]
    .sort()
    .map((f) => `${counts.get(f)} ${f}`)
    .join(', ');
}

/** What the one-line message of a decision is built from. */
export interface MessageInput {
  org: string;
  /** No OrgCluster of the org exists at all. */
  noClusters: boolean;
  /** OrgClusters (that passed the cluster filters) with an empty spec.hosts. */
  emptyClusters: readonly string[];
  rejected: readonly Rejection[];
  /** Feasible candidates, the chosen one included. */
  feasible: number;
  chosen?: { cluster: string; node: string; score: number };
}

/**
 * The kube-scheduler style line of a decision.
 * @example decisionMessage(...) // "0/12 candidates available: 5 InsufficientGPU, 7 NodeNotReady."
 * @example decisionMessage(...) // "placed on acme/prod@node-3 (score 87.5); 11 of 12 other candidates rejected: 11 NodeNotReady."
 */
export function decisionMessage(m: MessageInput): string {
  const total = m.rejected.length + m.feasible;
  const summary = rejectionSummary(m.rejected);
  if (m.chosen) {
    const head = `placed on ${m.chosen.cluster}@${m.chosen.node} (score ${m.chosen.score}); ${m.rejected.length} of ${total - 1} other candidates rejected`;
    return summary ? `${head}: ${summary}.` : `${head}.`;
  }
  if (m.noClusters) return `0/0 candidates available: no OrgCluster of org ${m.org}: create one with spec.org: ${m.org}.`;
  const parts = [summary ? `0/${total} candidates available: ${summary}.` : `0/${total} candidates available.`];
  for (const id of m.emptyClusters) parts.push(`OrgCluster ${id} has no hosts: add MeshNode names to its spec.hosts.`);
  return parts.join(' ');
}
