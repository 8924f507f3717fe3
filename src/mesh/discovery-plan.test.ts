import { planMeshStatus } from './discovery-plan.js';
import { toMeshDevices } from './headscale-provider.js';

const now = new Date('2026-11-24T12:00:00Z');
const devices = toMeshDevices([
  { id: 1, name: 'op', ip_addresses: ['100.64.0.1', 'fd7a:115c:a1e0::1'], user: { name: 'tagged-devices' }, online: true, tags: ['tag:operator'], last_seen: { seconds: 1795521000 } },
  { id: 2, name: 'w1', ip_addresses: ['100.64.0.2'], user: { name: 'tagged-devices' }, online: false, tags: ['tag:workload'], last_seen: { seconds: 1795520000 } },
  { id: 3, name: 'laptop', ip_addresses: ['100.64.0.3'], user: { name: 'alice' }, online: true, tags: [] },
]);
const cond = (s: ReturnType<typeof planMeshStatus>) => s.conditions!.find((c) => c.type === 'MeshConnected')!;

describe('toMeshDevices (headscale nodes list -o json)', () => {
  it('maps ids, names, IPs, tags; tagged devices have no user', () => {
    expect(devices.find((d) => d.name === 'op')).toEqual({ id: '1', name: 'op', ips: ['100.64.0.1', 'fd7a:115c:a1e0::1'], user: '', tags: ['tag:operator'], online: true, lastSeen: '2026-11-24T11:50:00Z' });
    expect(devices.find((d) => d.name === 'laptop')).toMatchObject({ user: 'alice', tags: [] });
  });
});

describe('planMeshStatus', () => {
  it('online device → tailnet block and MeshConnected=True', () => {
    const s = planMeshStatus({ metadata: { name: 'op', generation: 1 } }, { devices }, now);
    expect(s.tailnet).toMatchObject({ nodeId: '1', ips: ['100.64.0.1', 'fd7a:115c:a1e0::1'], tags: ['tag:operator'], online: true });
    expect(cond(s)).toMatchObject({ status: 'True', reason: 'Online' });
  });

  it('offline device → MeshConnected=False with last seen', () => {
    const s = planMeshStatus({ metadata: { name: 'w1' } }, { devices }, now);
    expect(cond(s)).toMatchObject({ status: 'False', reason: 'DeviceOffline' });
    expect(cond(s).message).toMatch(/last seen 2026-11-24T11:33:20Z/);
  });

  it('matches by spec.hostname when the names differ', () => {
    const s = planMeshStatus({ metadata: { name: 'node-laptop' }, spec: { hostname: 'laptop.lab.example' } }, { devices }, now);
    expect(s.tailnet?.user).toBe('alice');
  });

  it('no device → DeviceNotFound with how to join, and no stale tailnet block', () => {
    const s = planMeshStatus({ metadata: { name: 'ghost' }, status: { tailnet: { name: 'old' } } }, { devices }, now);
    expect(s.tailnet).toBeUndefined();
    expect(cond(s)).toMatchObject({ status: 'False', reason: 'DeviceNotFound' });
    expect(cond(s).message).toMatch(/tailscale up --hostname=ghost/);
  });

  it('provider unreachable → keeps the last known tailnet and says why', () => {
    const before = planMeshStatus({ metadata: { name: 'op' } }, { devices }, now);
    const s = planMeshStatus({ metadata: { name: 'op' }, status: before }, { devices, error: 'headscale unreachable: connection refused', lastSuccess: now }, now);
    expect(s.tailnet).toEqual(before.tailnet);
    expect(cond(s)).toMatchObject({ status: 'Unknown', reason: 'MeshUnreachable' });
    expect(cond(s).message).toMatch(/connection refused \(last answer 2026-11-24T12:00:00Z\); showing the last known tailnet state/);
  });
});

describe('watchDevices', () => {
  it('reports the first list, then only changes, and errors in between', async () => {
    const { watchDevices } = await import('./provider.js');
    let n = 0;
    const lists = [[], [], new Error('down'), [{ id: '1', name: 'a', ips: [], user: '', tags: [], online: true }]];
    const provider = {
      kind: 'stub' as const,
      listDevices: async () => {
        const v = lists[Math.min(n++, lists.length - 1)]!;
        if (v instanceof Error) throw v;
        return v;
      },
      whois: async () => undefined,
      policy: async () => '{}',
    };
    const seen: number[] = [];
    const errors: string[] = [];
    const w = watchDevices(provider, 5, (d) => seen.push(d.length), (e) => errors.push(e.message));
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
    w.stop();
    expect(seen).toEqual([0, 1]);
    expect(errors).toEqual(['down']);
  });
});
