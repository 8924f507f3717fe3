import type { ObservedMeshNode } from '../../src/api/meshnode/index.js';
import { planMeshNode } from './plan.js';

const now = new Date('2026-11-24T10:00:40Z');
const base: ObservedMeshNode = { metadata: { name: 'gpu-1', generation: 2 }, spec: { hostname: 'gpu-1.lab' } };
const plan = (node: ObservedMeshNode, heartbeatAgoMs: number | undefined) =>
  planMeshNode({
    node,
    heartbeat: heartbeatAgoMs === undefined ? undefined : new Date(now.getTime() - heartbeatAgoMs),
    allocated: { cpu: '0', memory: '0' },
    now,
    gracePeriodMs: 40_000,
  });
const ready = (p: ReturnType<typeof plan>) => p.status.conditions!.find((c) => c.type === 'Ready')!;

describe('planMeshNode', () => {
  it.each([
    ['no heartbeat yet', undefined, 'Unknown', 'NoHeartbeat', /start `weft agent --name gpu-1` on gpu-1\.lab/],
    ['fresh heartbeat', 5_000, 'True', 'HeartbeatFresh', /last reported 5s ago/],
    ['exactly at the grace period', 40_000, 'True', 'HeartbeatFresh', /40s ago/],
    ['stale heartbeat', 45_000, 'False', 'HeartbeatTimeout', /no heartbeat for 45s \(grace period 40s\)/],
  ])('%s → Ready=%s', (_name, ago, status, reason, message) => {
    const c = ready(plan(base, ago));
    expect(c).toMatchObject({ status, reason, observedGeneration: 2 });
    expect(c.message).toMatch(message);
  });

  it('requeues when the heartbeat would expire', () => {
    expect(plan(base, 5_000).requeueAfterMs).toBe(36_000);
    expect(plan(base, 45_000).requeueAfterMs).toBe(30_000);
  });

  it('reports CapacityReported from status.capacity', () => {
    const cap = (p: ReturnType<typeof plan>) => p.status.conditions!.find((c) => c.type === 'CapacityReported')!;
    expect(cap(plan(base, 1000))).toMatchObject({ status: 'False', reason: 'NoCapacity' });
    expect(cap(plan({ ...base, status: { capacity: { cpu: '8' } } }, 1000))).toMatchObject({ status: 'True', reason: 'AgentReported' });
  });

  it('says when a node is cordoned', () => {
    expect(ready(plan({ ...base, spec: { ...base.spec, unschedulable: true } }, 1000)).message).toMatch(/cordoned/);
  });

  it('emits NodeReady and NodeNotReady only on transitions', () => {
    const first = plan(base, 1000);
    expect(first.event).toMatchObject({ type: 'Normal', reason: 'NodeReady' });
    const again = plan({ ...base, status: first.status }, 2000);
    expect(again.event).toBeUndefined();
    const lost = plan({ ...base, status: first.status }, 60_000);
    expect(lost.event).toMatchObject({ type: 'Warning', reason: 'NodeNotReady' });
  });

  it('keeps what the agent wrote (capacity, heartbeat time) and sets allocated', () => {
    const p = plan({ ...base, status: { capacity: { cpu: '8' }, lastHeartbeatTime: 'x' } }, 1000);
    expect(p.status).toMatchObject({ capacity: { cpu: '8' }, lastHeartbeatTime: 'x', allocated: { cpu: '0', memory: '0' }, observedGeneration: 2 });
  });

  it('is stable: planning its own output again changes nothing', () => {
    const first = plan(base, 1000);
    const second = plan({ ...base, status: first.status }, 1000);
    expect(second.status).toEqual(first.status);
  });
});

describe('planMeshNode with the tailnet as one more observation', () => {
  const device = { id: '7', name: 'gpu-1', ips: ['100.64.0.7'], user: '', tags: ['tag:gpu'], online: true };
  const observe = (tailnet: Parameters<typeof planMeshNode>[0]['tailnet'], node: ObservedMeshNode = base) =>
    planMeshNode({ node, heartbeat: new Date(now.getTime() - 1000), allocated: { cpu: '1' }, now, gracePeriodMs: 40_000, tailnet });
  const cond = (p: ReturnType<typeof observe>, type: string) => p.status.conditions!.find((c) => c.type === type);

  it('writes Ready, CapacityReported and MeshConnected in one status, with the device', () => {
    const p = observe({ devices: [device] });
    expect(p.status.tailnet).toMatchObject({ nodeId: '7', ips: ['100.64.0.7'], online: true });
    expect(cond(p, 'MeshConnected')).toMatchObject({ status: 'True', reason: 'Online' });
    expect(cond(p, 'Ready')).toMatchObject({ status: 'True' });
    expect(p.status.allocated).toEqual({ cpu: '1' });
  });

  it('keeps the last known device and says why when the mesh is unreachable', () => {
    const before = observe({ devices: [device] }).status;
    const p = observe({ devices: [device], error: 'headscale unreachable: ECONNREFUSED' }, { ...base, status: before });
    expect(p.status.tailnet).toEqual(before.tailnet);
    expect(cond(p, 'MeshConnected')).toMatchObject({ status: 'Unknown', reason: 'MeshUnreachable' });
  });

  it('without a mesh, leaves MeshConnected alone', () => {
    expect(cond(observe(undefined), 'MeshConnected')).toBeUndefined();
  });
});
