import { planOrgCluster, type OrgClusterObservation } from './plan.js';

const now = new Date('2026-11-24T10:00:00Z');
const oc = { metadata: { name: 'prod', namespace: 'acme', generation: 1 }, spec: { org: 'acme', provider: 'kubeconfig' as const } };
const reachableProbe = {
  reachable: true,
  message: 'reachable: Kubernetes v1.36.3, 2/2 nodes Ready',
  apiServerURL: 'https://127.0.0.1:6443',
  kubernetesVersion: 'v1.36.3',
  nodes: 2,
  readyNodes: 2,
  capacity: { cpu: '8', memory: '32Gi', gpus: 1, pods: 220 },
  allocatable: { cpu: '8', memory: '32Gi', gpus: 1, pods: 220 },
};
const base: OrgClusterObservation = { oc, provision: { ok: true, message: 'kubeconfig from Secret acme/prod-kc' }, probe: reachableProbe, now, probeIntervalMs: 30_000 };
const cond = (s: ReturnType<typeof planOrgCluster>['status'], type: string) => s.conditions.find((c) => c.type === type)!;

describe('planOrgCluster', () => {
  it('is Ready when provisioned and reachable, with version, nodes and capacity', () => {
    const p = planOrgCluster(base);
    expect(cond(p.status, 'Ready')).toMatchObject({ status: 'True', reason: 'ClusterReady' });
    expect(cond(p.status, 'Reachable')).toMatchObject({ status: 'True' });
    expect(cond(p.status, 'Provisioned')).toMatchObject({ status: 'True' });
    expect(p.status).toMatchObject({ kubernetesVersion: 'v1.36.3', nodes: 2, capacity: { cpu: '8' }, lastProbeTime: '2026-11-24T10:00:00Z', observedGeneration: 1 });
    expect(p.requeueAfterMs).toBe(30_000);
    expect(p.event).toMatchObject({ reason: 'ClusterReady' });
  });

  it.each([
    ['SecretNotFound', 'Secret acme/prod-kc not found: create it with …'],
    ['InvalidKubeconfig', 'Secret acme/prod-kc key "kubeconfig": malformed kubeconfig: …'],
  ])('is not Ready when provisioning fails (%s), naming the cause', (reason, message) => {
    const p = planOrgCluster({ ...base, provision: { ok: false, reason, message }, probe: undefined });
    expect(cond(p.status, 'Provisioned')).toMatchObject({ status: 'False', reason, message });
    expect(cond(p.status, 'Reachable')).toMatchObject({ status: 'Unknown', reason: 'NotProvisioned' });
    expect(cond(p.status, 'Ready')).toMatchObject({ status: 'False', reason, message });
    expect(p.requeueAfterMs).toBe(15_000);
  });

  it('keeps the last known version and capacity when a probe fails, and says why', () => {
    const first = planOrgCluster(base);
    const down = planOrgCluster({
      ...base,
      oc: { ...oc, status: first.status },
      probe: { reachable: false, apiServerURL: 'https://127.0.0.1:6443', message: 'https://127.0.0.1:6443 unreachable: connection refused' },
    });
    expect(cond(down.status, 'Reachable')).toMatchObject({ status: 'False', reason: 'ProbeFailed', message: expect.stringContaining('connection refused') });
    expect(cond(down.status, 'Ready')).toMatchObject({ status: 'False', reason: 'ProbeFailed' });
    expect(down.status).toMatchObject({ kubernetesVersion: 'v1.36.3', capacity: { cpu: '8' }, lastProbeTime: '2026-11-24T10:00:00Z' });
    expect(down.event).toMatchObject({ type: 'Warning', reason: 'ProbeFailed' });
  });

  it('is stable when nothing changed', () => {
    const first = planOrgCluster(base);
    const again = planOrgCluster({ ...base, oc: { ...oc, status: first.status } });
    expect(again.status).toEqual(first.status);
    expect(again.event).toBeUndefined();
  });
});
