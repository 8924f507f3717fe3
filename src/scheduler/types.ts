/**
 * The placement engine's inputs and outputs. Plain data, converted from MeshNodes, OrgClusters and
 * Workloads by `src/scheduler/convert.ts`, so the engine itself never sees Kubernetes objects.
 */
import type { LabelSelector } from '../api/common/types.js';

/** Resources in integer units: milli-CPU, bytes, GPUs per model (model name as reported, e.g. "NVIDIA H100 80GB HBM3"). */
export interface Resources {
  cpuMilli: number;
  memoryBytes: number;
  /** GPU count per model. */
  gpus: Record<string, number>;
}

/** A MeshNode as the scheduler sees it. */
export interface NodeInfo {
  /** MeshNode name; also the node's name inside every OrgCluster that it hosts. */
  name: string;
  org: string;
  tags: string[];
  /** Ready condition True (heartbeat fresh). */
  ready: boolean;
  /** spec.unschedulable (cordoned). */
  unschedulable: boolean;
  allocatable: Resources;
}

/** An OrgCluster as the scheduler sees it. */
export interface ClusterInfo {
  /** namespace/name */
  id: string;
  org: string;
  tags: string[];
  labels: Record<string, string>;
  /** Reachable condition True. */
  reachable: boolean;
  /** MeshNode names that carry this cluster (spec.hosts). */
  hosts: string[];
}

/** What one Workload asks for. */
export interface PlacementRequest {
  /** namespace/name of the Workload. */
  id: string;
  org: string;
  cpuMilli: number;
  memoryBytes: number;
  gpu: number;
  /** Case-insensitive substring of the GPU model name. */
  gpuModel?: string;
  requiredTags: string[];
  preferredTags: Array<{ tag: string; weight: number }>;
  clusterSelector?: LabelSelector;
  /** Spread this request's group over the values of a tag key. */
  spread?: { topologyKey: string; maxSkew: number };
  /** Workloads with the same group count as replicas of each other for spread (default: the request's namespace). */
  group?: string;
  /** MeshNode names, or OrgClusters as namespace/name, never to use. */
  avoid: string[];
}

/** Which filter rejected a candidate. */
export type FilterName =
  | 'ClusterUnreachable'
  | 'ClusterSelector'
  | 'ClusterAvoided'
  | 'NodeAvoided'
  | 'NodeMissing'
  | 'NodeOrg'
  | 'NodeNotReady'
  | 'NodeCordoned'
  | 'RequiredTags'
  | 'InsufficientCPU'
  | 'InsufficientMemory'
  | 'InsufficientGPU'
  | 'GPUModel'
  | 'SpreadSkew';

export interface Rejection {
  /** "namespace/name" of an OrgCluster (when the whole cluster is out) or "namespace/name@node". */
  candidate: string;
  filter: FilterName;
  /** Names the value found and what was needed, e.g. "needs gpu:a100, has gpu:t4". */
  reason: string;
}

export interface Decision {
  placed: boolean;
  /** The chosen candidate; absent when nothing fits. */
  decision?: { cluster: string; node: string; score: number };
  /** Every candidate not chosen because a filter rejected it, and why. */
  rejected: Rejection[];
  /** Feasible candidates that lost on score, best first (at most 10). */
  alternatives: Array<{ cluster: string; node: string; score: number }>;
  /** One line in kube-scheduler style: "0/12 candidates available: 5 InsufficientGPU, 7 NodeNotReady." */
  message: string;
}
