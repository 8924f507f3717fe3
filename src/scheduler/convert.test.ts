import type { Condition } from '../api/common/types.js';
import type { MeshNode, MeshNodeStatus } from '../api/meshnode/types.js';
import type { OrgCluster } from '../api/orgcluster/types.js';
import type { Workload, WorkloadSpec } from '../api/workload/types.js';
import { ConversionError, clusterInfo, nodeInfo, placementRequest } from './convert.js';

const Gi = 2 ** 30;
const Mi = 2 ** 20;
const cond = (type: string, status: Condition['status']): Condition => ({ type, status, reason: 'Test', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' });

function meshNode(status: MeshNodeStatus | undefined, spec: Partial<MeshNode['spec']> = {}): MeshNode {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'MeshNode', metadata: { name: 'box-1' }, spec: { org: 'acme', ...spec }, status };
}

function orgCluster(o: { labels?: Record<string, string>; conditions?: Condition[]; hosts?: string[]; tags?: string[] } = {}): OrgCluster {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'OrgCluster',
    metadata: { name: 'prod', namespace: 'acme', labels: o.labels },
    spec: { org: 'acme', provider: 'local', hosts: o.hosts, tags: o.tags },
    status: { conditions: o.conditions },
  };
}

function workload(spec: Partial<WorkloadSpec> = {}, labels?: Record<string, string>): Workload {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { name: 'train-1', namespace: 'team-a', labels }, spec: { org: 'acme', template: {}, ...spec } };
}

describe('nodeInfo', () => {
  it.each<[string, MeshNodeStatus | undefined, { cpuMilli: number; memoryBytes: number; gpus: Record<string, number> }]>([
    ['allocatable first', { allocatable: { cpu: '15500m', memory: '60Gi' }, capacity: { cpu: 16, memory: '64Gi' } }, { cpuMilli: 15500, memoryBytes: 60 * Gi, gpus: {} }],
    ['capacity when allocatable is absent', { capacity: { cpu: '1.5', memory: '1536Mi' } }, { cpuMilli: 1500, memoryBytes: 1536 * Mi, gpus: {} }],
    ['per field', { allocatable: { cpu: 4 }, capacity: { cpu: 8, memory: '8Gi' } }, { cpuMilli: 4000, memoryBytes: 8 * Gi, gpus: {} }],
    ['nothing reported', undefined, { cpuMilli: 0, memoryBytes: 0, gpus: {} }],
    [
      'GPU groups by model, same model added up',
      { allocatable: { gpus: [{ model: 'NVIDIA A100', memory: '40Gi', count: 2 }, { model: 'NVIDIA A100', memory: '80Gi', count: 1 }, { model: 'NVIDIA T4', count: 0 }] } },
      { cpuMilli: 0, memoryBytes: 0, gpus: { 'NVIDIA A100': 3 } },
    ],
  ])('allocatable: %s', (_name, status, want) => {
    expect(nodeInfo(meshNode(status)).allocatable).toEqual(want);
  });

  it.each<[string, Condition[] | undefined, boolean]>([
    ['Ready True', [cond('Ready', 'True')], true],
    ['Ready False', [cond('Ready', 'False')], false],
    ['Ready Unknown', [cond('Ready', 'Unknown')], false],
    ['no conditions', undefined, false],
    ['only other conditions', [cond('MeshConnected', 'True')], false],
  ])('ready: %s', (_name, conditions, ready) => {
    expect(nodeInfo(meshNode({ conditions })).ready).toBe(ready);
  });

  it('takes name, org, tags and cordon from the MeshNode', () => {
    expect(nodeInfo(meshNode({}, { tags: ['gpu:t4'], unschedulable: true }))).toMatchObject({ name: 'box-1', org: 'acme', tags: ['gpu:t4'], unschedulable: true });
    expect(nodeInfo(meshNode({})).unschedulable).toBe(false);
  });

  it.each<[string, MeshNodeStatus, string]>([
    ['cpu', { allocatable: { cpu: 'abc' } }, 'status.allocatable.cpu: "abc" is not a quantity: use a number'],
    ['memory from capacity', { capacity: { memory: '12XB' } }, 'status.capacity.memory: "12XB" is not a quantity'],
    ['negative', { allocatable: { cpu: '-1' } }, 'status.allocatable.cpu: "-1" must not be negative'],
    ['gpu count', { allocatable: { gpus: [{ model: 'T4', count: 1.5 }] } }, 'status.allocatable.gpus[0].count: 1.5 is not a whole number >= 0'],
  ])('names the field of a bad %s', (_name, status, message) => {
    expect(() => nodeInfo(meshNode(status))).toThrow(ConversionError);
    expect(() => nodeInfo(meshNode(status))).toThrow(message);
  });
});

describe('clusterInfo', () => {
  it.each<[string, Condition[] | undefined, boolean]>([
    ['Reachable True', [cond('Reachable', 'True')], true],
    ['Reachable False', [cond('Reachable', 'False')], false],
    ['Ready only', [cond('Ready', 'True')], false],
    ['no conditions', undefined, false],
  ])('reachable: %s', (_name, conditions, reachable) => {
    expect(clusterInfo(orgCluster({ conditions })).reachable).toBe(reachable);
  });

  it('has id namespace/name, labels, tags and hosts', () => {
    expect(clusterInfo(orgCluster({ labels: { env: 'prod' }, hosts: ['box-1'], tags: ['zone:eu'] }))).toEqual({
      id: 'acme/prod',
      org: 'acme',
      tags: ['zone:eu'],
      labels: { env: 'prod' },
      reachable: false,
      hosts: ['box-1'],
    });
    expect(clusterInfo(orgCluster())).toMatchObject({ hosts: [], tags: [], labels: {} });
  });
});

describe('placementRequest', () => {
  it('applies the defaults: cpu 100m, memory 128Mi, gpu 0, group = namespace', () => {
    expect(placementRequest(workload())).toEqual({
      id: 'team-a/train-1',
      org: 'acme',
      cpuMilli: 100,
      memoryBytes: 128 * Mi,
      gpu: 0,
      requiredTags: [],
      preferredTags: [],
      avoid: [],
      group: 'team-a',
    });
  });

  it('converts resources and placement', () => {
    const wl = workload(
      {
        resources: { cpu: 4, memory: '16Gi', gpu: 2, gpuModel: 'H100' },
        placement: {
          requiredTags: ['gpu'],
          preferredTags: [{ tag: 'zone:eu-1', weight: 10 }],
          clusterSelector: { matchLabels: { env: 'prod' } },
          spread: { topologyKey: 'zone' },
          avoid: ['box-9', 'acme/old'],
        },
      },
      { 'weft.dev/group': 'trainers' },
    );
    expect(placementRequest(wl)).toEqual({
      id: 'team-a/train-1',
      org: 'acme',
      cpuMilli: 4000,
      memoryBytes: 16 * Gi,
      gpu: 2,
      gpuModel: 'H100',
      requiredTags: ['gpu'],
      preferredTags: [{ tag: 'zone:eu-1', weight: 10 }],
      clusterSelector: { matchLabels: { env: 'prod' } },
      spread: { topologyKey: 'zone', maxSkew: 1 },
      avoid: ['box-9', 'acme/old'],
      group: 'trainers',
    });
  });

  it.each<[string, WorkloadSpec['resources'], string]>([
    ['cpu', { cpu: 'abc' }, 'spec.resources.cpu: "abc" is not a quantity'],
    ['memory', { memory: '1 Gi' }, 'spec.resources.memory: "1 Gi" is not a quantity'],
    ['negative memory', { memory: '-1Gi' }, 'spec.resources.memory: "-1Gi" must not be negative'],
    ['gpu', { gpu: -1 }, 'spec.resources.gpu: -1 is not a whole number >= 0'],
  ])('names the field of a bad %s', (_name, resources, message) => {
    expect(() => placementRequest(workload({ resources }))).toThrow(message);
  });

  it('rounds cpu up to the millicore and memory up to the byte, as Kubernetes does', () => {
    expect(placementRequest(workload({ resources: { cpu: '0.0001', memory: '0.5' } }))).toMatchObject({ cpuMilli: 1, memoryBytes: 1 });
  });
});
