/**
 * MeshNodes, OrgClusters and Workloads as the placement engine sees them: quantities parsed once
 * into integers (milli-CPU, bytes, GPU counts), conditions reduced to booleans, defaults applied.
 * Pure functions; a malformed quantity throws a ConversionError that names the field.
 */
import { isTrue } from '../api/common/conditions.js';
import { QuantityError, quantityMilliValue, quantityValue, type QuantityInput } from '../api/common/quantity.js';
import { ResourceRequestDefaults, type HostResources } from '../api/common/types.js';
import { withDefaults } from '../api/defaults.js';
import type { MeshNode } from '../api/meshnode/types.js';
import type { OrgCluster } from '../api/orgcluster/types.js';
import type { Workload, WorkloadSpec } from '../api/workload/types.js';
import type { ClusterInfo, NodeInfo, PlacementRequest, Resources } from './types.js';

/** The label whose value groups Workloads for spread (default: the Workload's namespace). */
export const GROUP_LABEL = 'weft.dev/group';

type WorkloadResources = NonNullable<WorkloadSpec['resources']>;

/** A field that cannot be converted; `field` is its path, `value` what it held. */
export class ConversionError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${JSON.stringify(value)} ${detail}`, options);
    this.name = 'ConversionError';
  }
}

function quantity(field: string, value: QuantityInput | undefined, unit: 'milli' | 'whole'): number {
  if (value === undefined) return 0;
  let n: bigint;
  try {
    n = unit === 'milli' ? quantityMilliValue(value) : quantityValue(value);
  } catch (err) {
    const detail = err instanceof QuantityError ? err.message.replace(/^.*? is not a Kubernetes quantity: /, '') : String(err);
    throw new ConversionError(field, value, `is not a quantity: ${detail}`, { cause: err });
  }
  if (n < 0n) throw new ConversionError(field, value, 'must not be negative');
  return Number(n);
}

function count(field: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new ConversionError(field, value, 'is not a whole number >= 0');
}

/**
 * A MeshNode's resources in integers; each field from status.allocatable, else status.capacity
 * (GPU groups of the same model are added up).
 */
function nodeResources(mn: MeshNode): Resources {
  const pick = <K extends keyof HostResources>(key: K): { field: string; value: HostResources[K] } => {
    const alloc = mn.status?.allocatable?.[key];
    return alloc !== undefined ? { field: `status.allocatable.${key}`, value: alloc } : { field: `status.capacity.${key}`, value: mn.status?.capacity?.[key] };
  };
  const cpu = pick('cpu');
  const memory = pick('memory');
  const gpuList = pick('gpus');
  const gpus: Record<string, number> = {};
  (gpuList.value ?? []).forEach((g, i) => {
    const n = count(`${gpuList.field}[${i}].count`, g.count);
    if (n > 0) gpus[g.model] = (gpus[g.model] ?? 0) + n;
  });
  return { cpuMilli: quantity(cpu.field, cpu.value, 'milli'), memoryBytes: quantity(memory.field, memory.value, 'whole'), gpus };
}

/**
 * A MeshNode as the engine sees it.
 * @example nodeInfo(mn) // { name: 'box-1', org: 'acme', tags: ['gpu:h100'], ready: true, unschedulable: false, allocatable: { cpuMilli: 16000, … } }
 */
export function nodeInfo(mn: MeshNode): NodeInfo {
  return {
    name: mn.metadata.name ?? '',
    org: mn.spec.org,
    tags: [...(mn.spec.tags ?? [])],
    ready: isTrue(mn.status?.conditions, 'Ready'),
    unschedulable: mn.spec.unschedulable === true,
    allocatable: nodeResources(mn),
  };
}

/**
 * An OrgCluster as the engine sees it; its id is namespace/name.
 * @example clusterInfo(oc) // { id: 'acme/prod', org: 'acme', reachable: true, hosts: ['box-1'], … }
 */
export function clusterInfo(oc: OrgCluster): ClusterInfo {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(oc.metadata.labels ?? {})) if (typeof v === 'string') labels[k] = v;
  return {
    id: `${oc.metadata.namespace ?? 'default'}/${oc.metadata.name ?? ''}`,
    org: oc.spec.org,
    tags: [...(oc.spec.tags ?? [])],
    labels,
    reachable: isTrue(oc.status?.conditions, 'Reachable'),
    hosts: [...(oc.spec.hosts ?? [])],
  };
}

/** A Workload's spec.resources in integers, the schema defaults for the fields it leaves out. */
function requestedResources(res: WorkloadResources): Pick<PlacementRequest, 'cpuMilli' | 'memoryBytes' | 'gpu'> {
  return {
    cpuMilli: quantity('spec.resources.cpu', res.cpu ?? ResourceRequestDefaults.cpu, 'milli'),
    memoryBytes: quantity('spec.resources.memory', res.memory ?? ResourceRequestDefaults.memory, 'whole'),
    gpu: count('spec.resources.gpu', res.gpu ?? ResourceRequestDefaults.gpu),
  };
}

/**
 * What a Workload asks for, with the schema defaults applied (cpu 100m, memory 128Mi, gpu 0,
 * maxSkew 1); its spread group is the `weft.dev/group` label, else its namespace.
 * @example placementRequest(wl) // { id: 'acme/train-1', org: 'acme', cpuMilli: 4000, memoryBytes: 17179869184, gpu: 1, … }
 */
export function placementRequest(wl: Workload): PlacementRequest {
  const { spec, metadata } = withDefaults('Workload', wl);
  const namespace = metadata.namespace ?? 'default';
  const res = spec.resources ?? {};
  const placement = spec.placement ?? {};
  const req: PlacementRequest = {
    id: `${namespace}/${metadata.name ?? ''}`,
    org: spec.org,
    ...requestedResources(res),
    requiredTags: [...(placement.requiredTags ?? [])],
    preferredTags: (placement.preferredTags ?? []).map((p) => ({ tag: p.tag, weight: p.weight })),
    avoid: [...(placement.avoid ?? [])],
    group: metadata.labels?.[GROUP_LABEL] || namespace,
  };
  if (res.gpuModel) req.gpuModel = res.gpuModel;
  if (placement.clusterSelector) req.clusterSelector = placement.clusterSelector;
  if (placement.spread) req.spread = { topologyKey: placement.spread.topologyKey, maxSkew: placement.spread.maxSkew ?? 1 };
  return req;
}
