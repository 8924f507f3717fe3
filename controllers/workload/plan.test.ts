import type { V1Pod } from '@kubernetes/client-node';
import type { Workload } from '../../src/api/workload/types.js';
import { buildPod, podWasLost, statusForDecision, statusForPod, statusForReschedule, statusGivenUp, workloadKeyOfPod } from './plan.js';

const now = new Date('2026-11-24T10:00:00Z');
const wl = (over: Partial<Workload> = {}): Workload => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'Workload',
  metadata: { name: 'web', namespace: 'team', uid: 'u-1', generation: 3 },
  spec: { org: 'acme', template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'nginx' }] } }, resources: { cpu: '2', memory: '1Gi', gpu: 1 } },
  ...over,
});
const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'web-1', namespace: 'team', uid: 'p-1' }, spec: { nodeName: 'n1', containers: [] }, status });

describe('buildPod', () => {
  it('pins the node, labels the owner, carries the requests and GPU limit, defaults restartPolicy to Never', () => {
    const p = buildPod(wl(), 'org/c1', 'n1', 2);
    expect(p.metadata).toMatchObject({ name: 'web-2', namespace: 'team', labels: { app: 'web', 'app.kubernetes.io/managed-by': 'weft', 'weft.dev/workload': 'web', 'weft.dev/workload-namespace': 'team', 'weft.dev/workload-uid': 'u-1', 'weft.dev/org': 'acme' } });
    expect(p.metadata?.annotations).toMatchObject({ 'weft.dev/workload': 'team/web', 'weft.dev/orgcluster': 'org/c1' });
    expect(p.spec).toMatchObject({ nodeName: 'n1', restartPolicy: 'Never' });
    expect(p.spec!.containers[0]!.resources).toEqual({ requests: { cpu: '2', memory: '1Gi' }, limits: { 'nvidia.com/gpu': '1' } });
    expect(workloadKeyOfPod(p)).toBe('team/web');
  });
  it('keeps what the template sets', () => {
    const w = wl({ spec: { org: 'acme', template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'm', image: 'x', resources: { requests: { cpu: '3' } } }] } } } });
    const p = buildPod(w, 'org/c1', 'n1', 1);
    expect(p.spec?.restartPolicy).toBe('OnFailure');
    expect(p.spec!.containers[0]!.resources?.requests).toEqual({ cpu: '3', memory: '128Mi' });
  });
});

describe('status', () => {
  it('placed → Scheduled with the decision; not placed → Pending with every reason, filter first', () => {
    const placed = statusForDecision(wl(), { placed: true, decision: { cluster: 'c/p', node: 'n1', score: 80 }, rejected: [{ candidate: 'c/p@n2', filter: 'NodeCordoned', reason: 'node n2 is cordoned' }], alternatives: [], message: 'placed on c/p@n1' }, now);
    expect(placed).toMatchObject({ phase: 'Scheduled', attempts: 1, observedGeneration: 3, placement: { cluster: 'c/p', node: 'n1', score: 80, rejected: [{ candidate: 'c/p@n2', reason: 'NodeCordoned: node n2 is cordoned' }] } });
    expect(placed.conditions?.find((c) => c.type === 'Scheduled')).toMatchObject({ status: 'True', reason: 'Placed' });
    const pending = statusForDecision(wl(), { placed: false, rejected: [{ candidate: 'c/p@n1', filter: 'InsufficientGPU', reason: 'needs 1' }], alternatives: [], message: '0/1 candidates available: 1 InsufficientGPU.' }, now);
    expect(pending).toMatchObject({ phase: 'Pending', placement: { rejected: [{ candidate: 'c/p@n1', reason: 'InsufficientGPU: needs 1' }] } });
    expect(pending.conditions?.find((c) => c.type === 'Scheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable', message: '0/1 candidates available: 1 InsufficientGPU.' });
  });

  it.each([
    [{ phase: 'Pending' }, 'Scheduled', 'PodPending'],
    [{ phase: 'Pending', containerStatuses: [{ name: 'm', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImageNeverPull', message: 'image "x" is not present' } } }] }, 'Scheduled', 'ErrImageNeverPull'],
    [{ phase: 'Running', startTime: now }, 'Running', 'PodRunning'],
    [{ phase: 'Succeeded' }, 'Succeeded', 'PodSucceeded'],
    [{ phase: 'Failed', containerStatuses: [{ name: 'm', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 3, reason: 'Error' } } }] }, 'Failed', 'PodFailed'],
  ] as Array<[V1Pod['status'], string, string]>)('pod %o → phase %s, Ready reason %s', (status, phase, reason) => {
    const s = statusForPod(wl(), pod(status), now);
    expect(s.phase).toBe(phase);
    expect(s.podRef).toEqual({ namespace: 'team', name: 'web-1', uid: 'p-1' });
    expect(s.conditions?.find((c) => c.type === 'Ready')?.reason).toBe(reason);
    if (phase === 'Failed') expect(s.conditions?.find((c) => c.type === 'Ready')?.message).toContain('exit code 3 (Error)');
    if (reason === 'ErrImageNeverPull') expect(s.conditions?.find((c) => c.type === 'Ready')?.message).toContain('image "x" is not present');
  });

  it('an evicted pod is lost (place again); an ordinary failure is not', () => {
    expect(podWasLost(pod({ phase: 'Failed', reason: 'Evicted', message: 'low memory' }))).toBe('pod web-1 Evicted: low memory');
    expect(podWasLost(pod({ phase: 'Failed' }))).toBeUndefined();
  });

  it('reschedule clears the placement; giving up is Failed with the count', () => {
    const placedWl = wl({ status: { phase: 'Running', attempts: 5, placement: { cluster: 'c/p', node: 'n1' }, podRef: { name: 'web-5' } } });
    expect(statusForReschedule(placedWl, 'MeshNode n1 is NotReady', now)).toMatchObject({ phase: 'Pending', attempts: 5 });
    expect(statusForReschedule(placedWl, 'x', now).placement).toBeUndefined();
    const gaveUp = statusGivenUp(placedWl, 'MeshNode n1 is NotReady', now);
    expect(gaveUp.phase).toBe('Failed');
    expect(gaveUp.conditions?.find((c) => c.type === 'Ready')?.message).toBe('MeshNode n1 is NotReady; gave up after 5 placements (limit 5)');
  });
});
