import { clusterRow, eventRows, facetsOf, nodeRow, overviewOf, toRes, workloadRow, type Obj } from './model.js';
import type { ClusterPods } from './types.js';

const cond = (type: string, status: string, message = '') => ({ type, status, reason: 'R', message, lastTransitionTime: '2026-01-01T00:00:00Z' });
const node = (name: string, o: { org?: string; ready?: string; tags?: string[]; cpu?: string; allocated?: string } = {}): Obj => ({
  metadata: { name },
  spec: { org: o.org ?? 'acme', tags: o.tags ?? [] },
  status: { allocatable: { cpu: o.cpu ?? '8', memory: '16Gi', gpus: [{ model: 'T4', count: 2 }] }, allocated: { cpu: o.allocated ?? '2', memory: '4Gi' }, conditions: [cond('Ready', o.ready ?? 'True', 'stale heartbeat')] },
});

describe('dashboard model', () => {
  it.each([
    [{ cpu: '7500m', memory: '1Gi', gpus: [{ count: 2 }, { count: 1 }] }, { cpu: 7.5, memory: 2 ** 30, gpus: 3 }],
    [{ cpu: 4, gpus: 2 }, { cpu: 4, memory: 0, gpus: 2 }],
    [{ cpu: '100m', memory: '128Mi', gpu: 1 }, { cpu: 0.1, memory: 128 * 2 ** 20, gpus: 1 }],
    [{ cpu: 'lots', memory: {} }, { cpu: 0, memory: 0, gpus: 0 }],
    [undefined, { cpu: 0, memory: 0, gpus: 0 }],
  ])('toRes(%j) = %j (malformed quantities count as 0)', (input, want) => expect(toRes(input as Record<string, unknown>)).toEqual(want));

  it('a node row: ready, heartbeat age, tailnet, why not ready', () => {
    const now = new Date('2026-01-01T00:01:00Z');
    const r = nodeRow({ ...node('n1', { ready: 'False' }), status: { ...node('n1', { ready: 'False' }).status, tailnet: { online: true, ips: ['100.64.0.2'] } } }, new Date('2026-01-01T00:00:30Z'), now, 3);
    expect(r).toMatchObject({ name: 'n1', ready: 'False', readyMessage: 'stale heartbeat', heartbeatAgeSeconds: 30, tailnet: { online: true, ips: ['100.64.0.2'], tags: [] }, workloads: 3 });
    expect(nodeRow(node('n2'), undefined, now, 0)).toMatchObject({ heartbeatAgeSeconds: null, ready: 'True' });
    expect(nodeRow(node('n2'), undefined, now, 0)).not.toHaveProperty('readyMessage');
    expect(nodeRow({ metadata: { name: 'bare' } }, new Date('nonsense'), now, 0)).toMatchObject({ ready: 'Unknown', heartbeatAgeSeconds: null, tags: [], hostname: 'bare' });
  });

  it('a workload row keeps the scheduler\'s reasons and defaults the phase to Pending', () => {
    const w = workloadRow({ metadata: { name: 'w', namespace: 'a' }, spec: { org: 'acme', resources: { cpu: '2', gpu: 1 } }, status: { placement: { rejected: [{ candidate: 'n1', reason: 'needs gpu:a100' }] }, conditions: [cond('Scheduled', 'False', '0/1 nodes fit')] } });
    expect(w).toMatchObject({ phase: 'Pending', rejected: [{ candidate: 'n1', reason: 'needs gpu:a100' }], message: '0/1 nodes fit', requests: { cpu: 2, gpus: 1 } });
  });

  it('a cluster row says why it is not reachable', () => {
    const c = clusterRow({ metadata: { name: 'c', namespace: 'a' }, spec: { org: 'acme', provider: 'kubeconfig' }, status: { conditions: [cond('Reachable', 'False', 'connection refused')] } });
    expect(c).toMatchObject({ reachable: 'False', ready: 'Unknown', message: 'connection refused' });
  });

  it('the overview counts Ready nodes, reachable clusters, pods of the clusters it could list, and capacity of Ready nodes only', () => {
    const nodes = [nodeRow(node('a'), undefined, new Date(), 0), nodeRow(node('b', { cpu: '4', allocated: '1' }), undefined, new Date(), 0), nodeRow(node('c', { ready: 'False', cpu: '100' }), undefined, new Date(), 0)];
    const clusters = [clusterRow({ metadata: { name: 'x', namespace: 'a' }, spec: { org: 'acme' }, status: { conditions: [cond('Reachable', 'True')] } }), clusterRow({ metadata: { name: 'y', namespace: 'a' }, spec: { org: 'acme' }, status: {} })];
    const pods = new Map<string, ClusterPods>([
      ['a/x', { state: 'ok', items: [{ namespace: 'n', name: 'p1', phase: 'Running' }, { namespace: 'n', name: 'p2', phase: 'Running' }, { namespace: 'n', name: 'p3', phase: 'Pending' }] }],
      ['a/y', { state: 'error', message: 'connection refused', items: [] }],
    ]);
    const o = overviewOf({ nodes, clusters, workloads: [], pods, events: [], facets: facetsOf(nodes, clusters, []) });
    expect(o.nodes).toEqual({ ready: 2, total: 3, cordoned: 0 });
    expect(o.clusters).toEqual({ reachable: 1, total: 2 });
    expect(o.pods).toEqual({ byPhase: { Running: 2, Pending: 1 }, listed: 1, total: 2, unavailable: [{ cluster: 'a/y', message: 'connection refused' }] });
    expect(o.capacity.allocatable.cpu).toBe(12);
    expect(o.capacity.used.cpu).toBe(3);
    expect(o.capacity.allocatable.gpus).toBe(4);
  });

  it('events: only those about Weft objects, newest first, series counts', () => {
    const ev = (name: string, apiVersion: string, time: string, count?: number): Obj => ({ metadata: { name }, regarding: { apiVersion, kind: 'MeshNode', name }, reason: 'NodeReady', note: 'n', type: 'Normal', eventTime: time, ...(count ? { series: { count, lastObservedTime: time } } : {}) }) as Obj;
    const rows = eventRows([ev('old', 'weft.dev/v1alpha1', '2026-01-01T00:00:00Z'), ev('pod', 'v1', '2026-01-01T00:05:00Z'), ev('new', 'weft.dev/v1alpha1', '2026-01-01T00:10:00Z', 4)]);
    expect(rows.map((r) => [r.object.name, r.count])).toEqual([['new', 4], ['old', 1]]);
  });
});
