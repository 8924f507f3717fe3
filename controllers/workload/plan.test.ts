import type { V1Pod } from '@kubernetes/client-node';
import type { Workload, WorkloadStatus } from '../../src/api/workload/types.js';
import type { Decision } from '../../src/scheduler/types.js';
import { buildPod, MAX_ATTEMPTS, planWorkload, podWasLost, statusForDecision, statusForPod, statusForReschedule, statusGivenUp, workloadKeyOfPod, type WorkloadObservation, type WorkloadPlan } from './plan.js';

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
    [{ phase: 'Pending', initContainerStatuses: [{ name: 'side', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImageNeverPull', message: 'image "x" is not present' } } }], containerStatuses: [{ name: 'm', image: 'y', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] }, 'Scheduled', 'ErrImageNeverPull'],
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

  it('status.podRef names the cluster of the placement (readers of the pod need it)', () => {
    const placed = wl({ status: { phase: 'Scheduled', attempts: 1, placement: { cluster: 'team/hub', node: 'n1' } } });
    expect(statusForPod(placed, pod({ phase: 'Succeeded' }), now).podRef).toEqual({ cluster: 'team/hub', namespace: 'team', name: 'web-1', uid: 'p-1' });
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

describe('planWorkload', () => {
  const timing = { retryPendingMs: 30_000, quietMs: 1_000 };
  const F = { metadata: { name: 'web', namespace: 'team', uid: 'u-1', generation: 3, finalizers: ['weft.dev/workload-cleanup'] } };
  const placedDecision: Decision = { placed: true, decision: { cluster: 'team/hub', node: 'n1', score: 80 }, rejected: [], alternatives: [], message: 'placed on team/hub@n1 (score 80)' };
  const noFit: Decision = { placed: false, rejected: [{ candidate: 'team/hub@n1', filter: 'InsufficientGPU', reason: 'needs gpu 1' }], alternatives: [], message: '0/1 candidates available: 1 InsufficientGPU.' };
  const readyNode = { status: { conditions: [{ type: 'Ready', status: 'True' as const, reason: 'Heartbeat', message: '', lastTransitionTime: now.toISOString() }] } };
  const placed = (over: Partial<WorkloadStatus> = {}): Workload => wl({ ...F, status: { phase: 'Scheduled', attempts: 1, placement: { cluster: 'team/hub', node: 'n1' }, podRef: { namespace: 'team', name: 'web-1', uid: 'p-1' }, ...over } });
  const observe = (w: Workload, over: Partial<WorkloadObservation> = {}): WorkloadObservation => ({ wl: w, now, timing, ...over });
  const kinds = (p: WorkloadPlan) => p.actions.map((a) => a.type);

  it.each<[string, WorkloadObservation, Partial<{ actions: string[]; phase: string; events: string[]; requeueAfterMs: number }>]>([
    ['unplaced, placed by the engine → create the pod, Scheduled Event, come back when the status may be written', observe(wl(F), { decision: placedDecision }), { actions: ['awaitCapacity', 'createPod'], events: ['Scheduled'], requeueAfterMs: 1_000 }],
    ['unplaced, nothing fits → Pending, FailedScheduling, retried', observe(wl(F), { decision: noFit }), { actions: ['awaitCapacity'], phase: 'Pending', events: ['FailedScheduling'], requeueAfterMs: 30_000 }],
    ['unplaced, its pod was just created → hold the status write back (coalesce)', observe(wl(F), { holdMs: 700, decision: placedDecision }), { actions: [], events: [], requeueAfterMs: 700 }],
    ['unplaced, the attempt pod exists → adopt it: bind, one status write with its phase', observe(wl(F), { attemptPod: { cluster: 'team/hub', pod: pod({ phase: 'Running' }) }, decision: placedDecision }), { actions: ['awaitCapacity', 'bind'], phase: 'Running', events: [] }],
    ['placed, pod running → mirrored', observe(placed(), { orgCluster: {}, meshNode: readyNode, pod: { state: 'present', pod: pod({ phase: 'Running' }) } }), { actions: ['awaitCapacity'], phase: 'Running', events: [] }],
    ['placed, pod succeeded → Succeeded, capacity freed, Event', observe(placed({ phase: 'Running' }), { orgCluster: {}, meshNode: readyNode, pod: { state: 'present', pod: pod({ phase: 'Succeeded' }) } }), { actions: ['awaitCapacity', 'unbind'], phase: 'Succeeded', events: ['Succeeded'] }],
    ['placed, pod failed → Failed with a Warning', observe(placed({ phase: 'Running' }), { orgCluster: {}, meshNode: readyNode, pod: { state: 'present', pod: pod({ phase: 'Failed' }) } }), { actions: ['awaitCapacity', 'unbind'], phase: 'Failed', events: ['Failed'] }],
    ['placed, MeshNode deleted → pod deleted, unbound, Pending again', observe(placed(), { orgCluster: {} }), { actions: ['awaitCapacity', 'deletePod', 'unbind'], phase: 'Pending', events: ['Rescheduling'] }],
    ['placed, OrgCluster deleted → rescheduled', observe(placed(), { meshNode: readyNode }), { actions: ['awaitCapacity', 'deletePod', 'unbind'], phase: 'Pending', events: ['Rescheduling'] }],
    ['placed, pod gone → rescheduled', observe(placed(), { orgCluster: {}, meshNode: readyNode, pod: { state: 'gone' } }), { actions: ['awaitCapacity', 'deletePod', 'unbind'], phase: 'Pending', events: ['Rescheduling'] }],
    ['placed, another pod under the name (uid differs) → rescheduled', observe(placed(), { orgCluster: {}, meshNode: readyNode, pod: { state: 'present', pod: { ...pod({ phase: 'Running' }), metadata: { name: 'web-1', namespace: 'team', uid: 'other' } } } }), { phase: 'Pending', events: ['Rescheduling'] }],
    ['placed, pod evicted → rescheduled', observe(placed(), { orgCluster: {}, meshNode: readyNode, pod: { state: 'present', pod: pod({ phase: 'Failed', reason: 'Evicted' }) } }), { phase: 'Pending', events: ['Rescheduling'] }],
    ['placed, lost after MAX_ATTEMPTS placements → Failed, GaveUp', observe(placed({ attempts: MAX_ATTEMPTS }), { orgCluster: {} }), { actions: ['awaitCapacity', 'deletePod', 'unbind'], phase: 'Failed', events: ['GaveUp'] }],
    ['placed, cluster unreachable → Ready Unknown, retried', observe(placed(), { orgCluster: {}, meshNode: readyNode, pod: { state: 'unknown', message: 'cannot reach OrgCluster team/hub: connection refused' } }), { actions: ['awaitCapacity'], phase: 'Scheduled', events: ['ClusterUnreachable'], requeueAfterMs: 10_000 }],
    ['deleting → pod deleted, capacity freed, finalizer removed', observe(wl({ ...F, metadata: { ...F.metadata, deletionTimestamp: now }, status: placed().status })), { actions: ['awaitCapacity', 'deletePod', 'unbind', 'removeFinalizer'], events: [] }],
    ['finished → capacity freed, nothing else', observe(placed({ phase: 'Succeeded' })), { actions: ['awaitCapacity', 'unbind'], events: [] }],
    ['no finalizer yet (webhooks off) → added first', observe(wl(), { decision: noFit }), { actions: ['addFinalizer', 'awaitCapacity'], phase: 'Pending' }],
  ])('%s', (_name, o, want) => {
    const p = planWorkload(o);
    if (want.actions) expect(kinds(p)).toEqual(want.actions);
    if (want.phase) expect(p.status?.phase).toBe(want.phase);
    if (want.events) expect(p.events.map((e) => e.reason)).toEqual(want.events);
    if ('requeueAfterMs' in want) expect(p.requeueAfterMs).toBe(want.requeueAfterMs);
  });

  it('creates the pod of the next attempt where the decision says', () => {
    const p = planWorkload(observe(wl({ ...F, status: { attempts: 2 } }), { decision: placedDecision }));
    expect(p.actions[1]).toMatchObject({ type: 'createPod', cluster: 'team/hub', pod: { metadata: { name: 'web-3' }, spec: { nodeName: 'n1' } } });
    expect(p.status).toBeUndefined(); // written once, when the pod is adopted
  });

  it('adopting keeps the carried decision (score, message) when it matches the pod, else records the pod where it is', () => {
    const found = { cluster: 'team/hub', pod: pod({ phase: 'Pending' }) };
    const kept = planWorkload(observe(wl(F), { attemptPod: found, decision: placedDecision }));
    expect(kept.status).toMatchObject({ phase: 'Scheduled', attempts: 1, placement: { cluster: 'team/hub', node: 'n1', score: 80 }, podRef: { name: 'web-1' } });
    expect(kept.actions).toContainEqual({ type: 'bind', cluster: 'team/hub', node: 'n1' });
    const afterRestart = planWorkload(observe(wl(F), { attemptPod: found }));
    expect(afterRestart.status?.placement).toMatchObject({ cluster: 'team/hub', node: 'n1', score: 0 });
    expect(afterRestart.status?.conditions?.find((c) => c.type === 'Scheduled')?.message).toBe('placed on team/hub@n1 (adopted pod web-1)');
  });

  it('records FailedScheduling once per new reason', () => {
    const first = planWorkload(observe(wl(F), { decision: noFit }));
    const again = planWorkload(observe(wl({ ...F, status: first.status }), { decision: noFit }));
    expect(again.events).toEqual([]);
    expect(again.requeueAfterMs).toBe(30_000);
  });

  it('a lost pod is deleted best-effort; a deleted Workload’s pod must go (errors retried)', () => {
    const lost = planWorkload(observe(placed(), { orgCluster: {}, meshNode: readyNode, pod: { state: 'gone' } }));
    expect(lost.actions).toContainEqual({ type: 'deletePod', cluster: 'team/hub', namespace: 'team', name: 'web-1', bestEffort: true });
    const deleting = planWorkload(observe(wl({ ...F, metadata: { ...F.metadata, deletionTimestamp: now }, status: placed().status })));
    expect(deleting.actions).toContainEqual({ type: 'deletePod', cluster: 'team/hub', namespace: 'team', name: 'web-1', bestEffort: false });
  });
});
