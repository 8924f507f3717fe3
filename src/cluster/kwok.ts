import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION } from './local.js';

/** A simulated node's shape. */
export interface FakeNodeSpec {
  name: string;
  cpu?: string;
  memory?: string;
  ephemeralStorage?: string;
  pods?: string;
  /** `nvidia.com/gpu` count. */
  gpus?: number;
  labels?: Record<string, string>;
}

/**
 * A Node object that KWOK manages (annotation `kwok.x-k8s.io/node: fake`, tainted so that only pods
 * tolerating it land there). KWOK marks it Ready and keeps its lease fresh.
 */
export function fakeNode(spec: FakeNodeSpec): V1Node {
  const capacity: Record<string, string> = {
    cpu: spec.cpu ?? '4',
    memory: spec.memory ?? '16Gi',
    'ephemeral-storage': spec.ephemeralStorage ?? '100Gi',
    pods: spec.pods ?? '110',
  };
  if (spec.gpus) capacity['nvidia.com/gpu'] = String(spec.gpus);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': spec.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', ...spec.labels },
    },
    spec: { taints: [{ key: KWOK_NODE_ANNOTATION, value: 'fake', effect: 'NoSchedule' }] },
    status: { capacity, allocatable: capacity },
  };
}

/** The toleration a pod needs to run on KWOK nodes. */
export const KWOK_TOLERATION = { key: KWOK_NODE_ANNOTATION, operator: 'Exists', effect: 'NoSchedule' } as const;

/** Creates simulated nodes. */
export async function createFakeNodes(kc: KubeConfig, specs: FakeNodeSpec[]): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (const s of specs) await core.createNode({ body: fakeNode(s) });
}
