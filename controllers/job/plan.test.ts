import type { V1Pod } from '@kubernetes/client-node';
import type { Job } from '../../src/api/job/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { JOB_FINALIZER, planJob, type JobAction, type JobObservation } from './plan.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

function job(spec: Partial<Job['spec']> = {}, status?: Job['status'], meta: Partial<Job['metadata']> = {}): Job {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Job',
    metadata: { name: 'ci', namespace: 'acme', uid: 'job-uid', generation: 1, finalizers: [JOB_FINALIZER], ...meta },
    spec: { org: 'acme', template: 'ci-runner', params: { repo: 'http://gitea.local:3000/acme/toy.git' }, backoffLimit: 2, ...spec },
    ...(status ? { status } : {}),
  };
}

function wl(name: string, phase: string | undefined, extra: Partial<NonNullable<Workload['status']>> = {}): Workload {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Workload',
    metadata: { name, namespace: 'acme', uid: `${name}-uid`, ownerReferences: [{ apiVersion: 'weft.dev/v1alpha1', kind: 'Job', name: 'ci', uid: 'job-uid', controller: true }] },
    spec: { org: 'acme', template: {} },
    status: { ...(phase ? { phase: phase as 'Running' } : {}), ...extra },
  };
}

const failedWl = (name: string, code: number, reason = 'PodFailed') => wl(name, 'Failed', { conditions: [{ type: 'Ready', status: 'False', reason, message: `pod ${name}-1 failed: exit code ${code} (Error)`, lastTransitionTime: T0.toISOString() }] });

function pod(code: number, message?: string, reason = code === 0 ? 'Completed' : 'Error'): V1Pod {
  return { metadata: { name: 'ci-1-1' }, status: { phase: code === 0 ? 'Succeeded' : 'Failed', containerStatuses: [{ name: 'job', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: code, reason, ...(message ? { message } : {}) } } }] } };
}

const plan = (o: Partial<JobObservation> & { job: Job }) => planJob({ now: T0, workloads: [], ...o });
const created = (actions: JobAction[]) => actions.filter((a) => a.type === 'createWorkload').map((a) => (a as { workload: Workload }).workload);
const running = { phase: 'Running' as const, attempts: 1, startTime: T0.toISOString() };

describe('planJob', () => {
  it('a new Job: its finalizer, then attempt 1 as an owned Workload running the hardened template pod', () => {
    const p = plan({ job: job({ resources: { cpu: '2', memory: '1Gi' }, placement: { requiredTags: ['env:ci'] } }, undefined, { finalizers: [] }) });
    expect(p.actions[0]).toEqual({ type: 'addFinalizer' });
    const [w] = created(p.actions);
    expect(w!.metadata).toMatchObject({ name: 'ci-1', namespace: 'acme', ownerReferences: [{ kind: 'Job', name: 'ci', uid: 'job-uid', controller: true, blockOwnerDeletion: true }] });
    expect(w!.spec).toMatchObject({ org: 'acme', mainContainer: 'job', resources: { cpu: '2', memory: '1Gi' }, placement: { requiredTags: ['env:ci'] } });
    const spec = w!.spec.template!.spec!;
    expect(spec).toMatchObject({ automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } });
    const c = spec.containers[0]!;
    expect(c).toMatchObject({ name: 'job', terminationMessagePolicy: 'File', securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } });
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'WEFT_REPO', value: 'http://gitea.local:3000/acme/toy.git' }, { name: 'WEFT_REF', value: 'main' }, { name: 'WEFT_TEST', value: 'node --test' }]));
    expect(c.command![2]).toContain('WEFT_POST_STEP');
    expect(spec.volumes).toEqual(expect.arrayContaining([{ name: 'workspace', emptyDir: {} }]));
    expect(p.status).toMatchObject({ phase: 'Pending', attempts: 1, startTime: iso(T0), workloadRef: { name: 'ci-1' } });
    expect(p.events[0]).toMatchObject({ reason: 'Started' });
  });

  it('mirrors a running attempt; a Workload missing from the cache is created again under its name', () => {
    const p = plan({ job: job({}, running), workloads: [wl('ci-1', 'Running', { placement: { node: 'n1' } })] });
    expect(p.status).toMatchObject({ phase: 'Running' });
    expect(p.actions).toEqual([]);
    const again = plan({ job: job({}, running) });
    expect(created(again.actions).map((w) => w.metadata!.name)).toEqual(['ci-1']);
    expect(again.status).toBeUndefined();
  });

  it('an unschedulable attempt says why in Progressing', () => {
    const p = plan({ job: job({}, running), workloads: [wl('ci-1', 'Pending', { conditions: [{ type: 'Scheduled', status: 'False', reason: 'Unschedulable', message: 'no node has tag env:ci', lastTransitionTime: T0.toISOString() }] })] });
    expect(p.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ reason: 'Unschedulable', message: expect.stringContaining('env:ci') });
  });

  it('success: Completed with exit code, the pod\'s summary, and the commit status when asked for', () => {
    const msg = JSON.stringify({ stage: 'done', exitCode: 0, commit: 'a'.repeat(40), tests: { format: 'junit', total: 2, passed: 2, failed: 0, skipped: 0 }, summary: '2 passed, 0 failed, 0 skipped (junit)' });
    const j = job({ params: { repo: 'http://gitea.local:3000/acme/toy.git', statusSecret: 'tok' } }, running);
    const p = plan({ job: j, workloads: [wl('ci-1', 'Succeeded')], pod: pod(0, msg) });
    expect(p.status).toMatchObject({ phase: 'Succeeded', reason: 'Completed', exitCode: 0, completionTime: iso(T0), result: { commit: 'a'.repeat(40), tests: { passed: 2 } } });
    expect(p.status?.conditions?.find((c) => c.type === 'Complete')).toMatchObject({ status: 'True', reason: 'Completed' });
    expect(p.actions).toContainEqual({ type: 'setCommitStatus', target: { repoUrl: 'http://gitea.local:3000/acme/toy.git', secretName: 'tok', context: 'weft/ci-runner' }, sha: 'a'.repeat(40), state: 'success', description: '2 passed, 0 failed, 0 skipped (junit)' });
  });

  it('the first attempt sets a pending commit status on the ref; a result on another commit also goes to the pending one', () => {
    const target = { repoUrl: 'http://gitea.local:3000/acme/toy.git', secretName: 'tok', context: 'weft/ci-runner' };
    const first = plan({ job: job({ params: { repo: target.repoUrl, statusSecret: 'tok', ref: 'feature' } }) });
    expect(first.actions).toContainEqual({ type: 'setPendingStatus', target, ref: 'feature', description: 'ci-runner running (job ci)' });
    expect(plan({ job: job({ params: { repo: target.repoUrl } }) }).actions.map((a) => a.type)).not.toContain('setPendingStatus');
    const msg = JSON.stringify({ stage: 'done', exitCode: 1, commit: 'b'.repeat(40), summary: '0 passed, 1 failed' });
    const moved = { ...running, commitStatus: { state: 'pending' as const, outcome: 'Posted' as const, context: 'weft/ci-runner', sha: 'a'.repeat(40) } };
    const end = plan({ job: job({ params: { repo: target.repoUrl, statusSecret: 'tok' }, backoffLimit: 0 }, moved), workloads: [failedWl('ci-1', 1)], pod: pod(1, msg) });
    expect(end.actions.filter((a) => a.type === 'setCommitStatus')).toEqual([
      { type: 'setCommitStatus', target, sha: 'a'.repeat(40), state: 'failure', description: `tested ${'b'.repeat(10)} instead (the ref moved): 0 passed, 1 failed` },
      { type: 'setCommitStatus', target, sha: 'b'.repeat(40), state: 'failure', description: '0 passed, 1 failed' },
    ]);
  });

  it('a failed attempt is retried with a new Workload until backoffLimit, then BackoffLimitExceeded', () => {
    const retry = plan({ job: job({}, running), workloads: [failedWl('ci-1', 1)] });
    expect(created(retry.actions).map((w) => w.metadata!.name)).toEqual(['ci-2']);
    expect(retry.status).toMatchObject({ phase: 'Pending', attempts: 2, failedAttempts: 1 });
    expect(retry.events[0]).toMatchObject({ type: 'Warning', reason: 'Retrying', message: expect.stringContaining('TemplateFailed') });
    const last = plan({ job: job({}, { ...running, attempts: 3, failedAttempts: 2 }), workloads: [failedWl('ci-1', 1), failedWl('ci-2', 1), failedWl('ci-3', 1)] });
    expect(created(last.actions)).toEqual([]);
    expect(last.status).toMatchObject({ phase: 'Failed', reason: 'BackoffLimitExceeded', exitCode: 1, failedAttempts: 3 });
  });

  it('backoffLimit 0: the attempt\'s own reason, TemplateFailed or InfraFailed', () => {
    const tf = plan({ job: job({ backoffLimit: 0 }, running), workloads: [failedWl('ci-1', 3)], pod: pod(3, JSON.stringify({ stage: 'done', summary: '1 passed, 1 failed, 0 skipped (tap)' })) });
    expect(tf.status).toMatchObject({ phase: 'Failed', reason: 'TemplateFailed', exitCode: 3, result: { summary: '1 passed, 1 failed, 0 skipped (tap)' } });
    expect(tf.status?.message).toMatch(/exit code 3: 1 passed, 1 failed/);
    const lost = plan({ job: job({ backoffLimit: 0 }, running), workloads: [wl('ci-1', 'Failed', { conditions: [{ type: 'Ready', status: 'False', reason: 'TooManyAttempts', message: 'MeshNode n1 was deleted; gave up after 5 placements', lastTransitionTime: T0.toISOString() }] })] });
    expect(lost.status).toMatchObject({ reason: 'InfraFailed', message: expect.stringContaining('gave up') });
    const oom = plan({ job: job({ backoffLimit: 0 }, running), workloads: [failedWl('ci-1', 137)], pod: pod(137, undefined, 'OOMKilled') });
    expect(oom.status).toMatchObject({ reason: 'InfraFailed', exitCode: 137 });
  });

  it('invalid params fail the Job with InvalidParams naming the field (admission is the first line)', () => {
    const p = plan({ job: job({ params: { ref: 'main', colour: 'red' } }) });
    expect(p.status).toMatchObject({ phase: 'Failed', reason: 'InvalidParams' });
    expect(p.status?.message).toMatch(/spec\.params\.repo: required/);
    expect(p.status?.message).toMatch(/spec\.params\.colour: unknown parameter/);
    expect(created(p.actions)).toEqual([]);
    expect(plan({ job: job({ template: 'bogus' as never }) }).status?.message).toMatch(/spec.template: template "bogus" is not available yet; available: ci-runner, docops, ml-batch, notebook, security-scan/);
  });

  it('activeDeadlineSeconds: the running attempt is deleted and the Job fails with DeadlineExceeded; before, it comes back at the deadline', () => {
    const j = job({ activeDeadlineSeconds: 60 }, running);
    const before = planJob({ job: j, now: at(30), workloads: [wl('ci-1', 'Running')] });
    expect(before.requeueAfterMs).toBeGreaterThanOrEqual(30_000);
    expect(before.requeueAfterMs).toBeLessThan(31_000);
    const after = planJob({ job: j, now: at(60), workloads: [wl('ci-1', 'Running')] });
    expect(after.actions).toContainEqual({ type: 'deleteWorkload', name: 'ci-1' });
    expect(after.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
  });

  it('suspend stops the attempt (not a failure); resume starts a new attempt and restarts the deadline clock', () => {
    const s = plan({ job: job({ suspend: true }, running), workloads: [wl('ci-1', 'Running')] });
    expect(s.actions).toEqual([{ type: 'deleteWorkload', name: 'ci-1' }]);
    expect(s.status).toMatchObject({ phase: 'Pending', attempts: 1 });
    expect(s.status?.startTime).toBeUndefined();
    expect(s.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'True' });
    expect(plan({ job: job({ suspend: true }) }).actions).toEqual([]);
    const r = planJob({ job: job({}, s.status), now: at(10), workloads: [] });
    expect(created(r.actions).map((w) => w.metadata!.name)).toEqual(['ci-2']);
    expect(r.status).toMatchObject({ attempts: 2, startTime: iso(at(10)) });
    expect(r.status?.failedAttempts).toBeUndefined();
    expect(r.events[0]).toMatchObject({ reason: 'Resumed' });
  });

  it('ttlSecondsAfterFinished: waits, then deletes the Workloads and the Job', () => {
    const done = { phase: 'Succeeded' as const, attempts: 1, completionTime: T0.toISOString(), reason: 'Completed' as const };
    const j = job({ ttlSecondsAfterFinished: 5 }, done);
    expect(planJob({ job: j, now: at(2), workloads: [wl('ci-1', 'Succeeded')] })).toMatchObject({ actions: [], requeueAfterMs: 3050 });
    expect(planJob({ job: j, now: at(5), workloads: [wl('ci-1', 'Succeeded')] }).actions).toEqual([{ type: 'deleteWorkload', name: 'ci-1' }, { type: 'deleteJob' }]);
    expect(planJob({ job: job({}, done), now: at(1e6), workloads: [] }).actions).toEqual([]);
  });

  it('deletion: the owned Workloads go, then the finalizer; Workloads of another Job of that name are left alone', () => {
    const other = { ...wl('ci-9', 'Running'), metadata: { ...wl('ci-9', 'Running').metadata, ownerReferences: [{ apiVersion: 'weft.dev/v1alpha1', kind: 'Job', name: 'ci', uid: 'old-uid', controller: true }] } };
    const p = plan({ job: job({}, running, { deletionTimestamp: T0 }), workloads: [wl('ci-1', 'Running'), other] });
    expect(p.actions).toEqual([{ type: 'deleteWorkload', name: 'ci-1' }, { type: 'removeFinalizer' }]);
  });
});
