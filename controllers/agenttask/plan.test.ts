import type { AgentTask } from '../../src/api/agenttask/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { planAgentTask, type AgentTaskObservation } from './plan.js';

const NOW = new Date('2026-12-05T10:00:00Z');

function task(spec: Partial<AgentTask['spec']> = {}, status?: AgentTask['status']): AgentTask {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AgentTask',
    metadata: { name: 'fix', namespace: 'acme', uid: 'u1', generation: 1, creationTimestamp: new Date('2026-12-05T09:59:00Z') },
    spec: { org: 'acme', repo: { url: 'http://127.0.0.1:3000/acme/app.git' }, source: { inline: { title: 'Fix it' } }, agent: { driver: 'scripted', steps: [{ run: 'true' }] }, retryPolicy: { maxAttempts: 2, backoffSeconds: 10 }, ...spec },
    ...(status ? { status } : {}),
  } as AgentTask;
}

function wl(phase: string, extra: Partial<NonNullable<Workload['status']>> = {}): Workload {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { name: 'fix-1', namespace: 'acme' }, spec: { org: 'acme', template: {} }, status: { phase: phase as 'Running', ...extra } } as Workload;
}

const running = { phase: 'Running' as const, attempt: 1, startTime: '2026-12-05T09:59:30Z', workload: 'fix-1' };
const obs = (o: Partial<AgentTaskObservation>): AgentTaskObservation => ({ task: task(), now: NOW, forge: true, ...o });

describe('planAgentTask', () => {
  it('a new task: identity, the Workload of attempt 1, phase Pending, branch and ServiceAccount in status', () => {
    const p = planAgentTask(obs({}));
    expect(p.actions).toEqual([{ type: 'ensureIdentity' }, { type: 'createWorkload', attempt: 1 }]);
    expect(p.status).toMatchObject({ phase: 'Pending', attempt: 1, workload: 'fix-1', branch: 'weft/fix', serviceAccount: 'weft-task-fix' });
    expect(p.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('AttemptStarted');
  });

  it('the Workload runs: phase Running with the placement', () => {
    const p = planAgentTask(obs({ task: task({}, running), workload: wl('Running', { placement: { cluster: 'acme/local', node: 'n1' }, podRef: { name: 'fix-1-1', namespace: 'acme' } }) }));
    expect(p.status).toMatchObject({ phase: 'Running', placement: { cluster: 'acme/local', node: 'n1', pod: 'fix-1-1' } });
    expect(p.actions).toEqual([]);
  });

  it('an image missing on the node: Pending with reason ImageNotPresent and the Workload message', () => {
    const w = wl('Pending', { conditions: [{ type: 'Ready', status: 'False', reason: 'ErrImageNeverPull', message: 'image localhost/weft-agent:dev is not present', lastTransitionTime: '' }] });
    const p = planAgentTask(obs({ task: task({}, running), workload: w }));
    expect(p.status?.phase).toBe('Pending');
    expect(p.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ reason: 'ImageNotPresent', message: expect.stringContaining('localhost/weft-agent:dev') });
  });

  it('pushed, with a forge: open the change; with the change: Reviewing, outcome PullRequestOpened', () => {
    const base = { task: task({}, running), workload: wl('Succeeded'), result: { result: 'pushed' as const, branch: 'weft/fix', headSha: 'a'.repeat(40) } };
    expect(planAgentTask(obs(base)).actions).toEqual([{ type: 'openChange', branch: 'weft/fix', headSha: 'a'.repeat(40) }]);
    const p = planAgentTask(obs({ ...base, change: { url: 'http://g/acme/app/pulls/3', id: '3', number: 3, state: 'open' } }));
    expect(p.status).toMatchObject({ phase: 'Reviewing', outcome: 'PullRequestOpened', pullRequest: { url: 'http://g/acme/app/pulls/3', id: '3', number: 3, state: 'open' } });
    expect(p.requeueAfterMs).toBe(30_000);
    expect(p.events.map((e) => e.reason)).toEqual(['PullRequestOpened']);
  });

  it('pushed to a repository without a forge: Succeeded with BranchPushed', () => {
    const p = planAgentTask(obs({ forge: false, task: task({}, running), workload: wl('Succeeded'), result: { result: 'pushed', branch: 'weft/fix', headSha: 'b'.repeat(40) } }));
    expect(p.status).toMatchObject({ phase: 'Succeeded', outcome: 'BranchPushed' });
  });

  it('Reviewing: merged → Succeeded, closed → Failed Cancelled', () => {
    const reviewing = { ...running, phase: 'Reviewing' as const, outcome: 'PullRequestOpened' as const, pullRequest: { url: 'u', number: 3 } };
    expect(planAgentTask(obs({ task: task({}, reviewing), change: { url: 'u', id: '3', state: 'merged' } })).status).toMatchObject({ phase: 'Succeeded', outcome: 'PullRequestOpened' });
    expect(planAgentTask(obs({ task: task({}, reviewing), change: { url: 'u', id: '3', state: 'closed' } })).status).toMatchObject({ phase: 'Failed', outcome: 'Cancelled' });
  });

  it('no changes: Succeeded with NoChanges', () => {
    const p = planAgentTask(obs({ task: task({}, running), workload: wl('Succeeded'), result: { result: 'no-changes' } }));
    expect(p.status).toMatchObject({ phase: 'Succeeded', outcome: 'NoChanges' });
  });

  it('checks failed: waits the backoff, then attempt 2 with the diagnostics; after the last attempt MaxAttemptsReached', () => {
    const failed = { result: 'checks-failed' as const, diagnostics: 'test command `npm test` failed (exit code 1)', lastRun: { test: 'npm test: exit code 1' } };
    const waiting = planAgentTask(obs({ task: task({}, running), workload: wl('Failed', { completionTime: '2026-12-05T09:59:55Z' }), result: failed }));
    expect(waiting.actions).toEqual([]);
    expect(waiting.requeueAfterMs).toBe(5_000);
    expect(waiting.status).toMatchObject({ phase: 'Running', diagnostics: failed.diagnostics, lastRun: { test: 'npm test: exit code 1' } });
    const next = planAgentTask(obs({ task: task({}, running), workload: wl('Failed', { completionTime: '2026-12-05T09:59:40Z' }), result: failed }));
    expect(next.actions).toEqual([{ type: 'createWorkload', attempt: 2, diagnostics: failed.diagnostics }]);
    expect(next.status).toMatchObject({ attempt: 2, workload: 'fix-2', phase: 'Pending' });
    const last = planAgentTask(obs({ task: task({}, { ...running, attempt: 2, workload: 'fix-2' }), workload: wl('Failed'), result: failed }));
    expect(last.status).toMatchObject({ phase: 'Failed', outcome: 'MaxAttemptsReached' });
    expect(last.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'MaxAttemptsReached' });
  });

  it('the last attempt failed for an infrastructure reason: InfraFailed with the cause', () => {
    const p = planAgentTask(obs({ task: task({}, { ...running, attempt: 2, workload: 'fix-2' }), workload: wl('Failed'), result: { result: 'infra-failed', step: 'agent', diagnostics: 'agent: the LLM gateway answered 502: upstream 500' } }));
    expect(p.status).toMatchObject({ phase: 'Failed', outcome: 'InfraFailed', message: expect.stringContaining('upstream 500') });
  });

  it('suspend, timeout and a spent budget stop the running pod with their outcome', () => {
    const w = wl('Running');
    const cancel = planAgentTask(obs({ task: task({ suspend: true }, running), workload: w }));
    expect(cancel.status).toMatchObject({ phase: 'Failed', outcome: 'Cancelled' });
    expect(cancel.actions).toEqual([{ type: 'deleteWorkload', name: 'fix-1' }]);
    const timeout = planAgentTask(obs({ task: task({ timeoutSeconds: 10 }, running), workload: w }));
    expect(timeout.status).toMatchObject({ phase: 'Failed', outcome: 'Timeout' });
    expect(timeout.actions).toEqual([{ type: 'deleteWorkload', name: 'fix-1' }]);
    const budget = planAgentTask(obs({ task: task({}, running), workload: w, budgetExceeded: 'budget spec.budget.maxTokens=10 is spent' }));
    expect(budget.status).toMatchObject({ phase: 'Failed', outcome: 'BudgetExceeded', message: expect.stringContaining('maxTokens') });
  });

  it('a timeout still ahead: the task comes back when it is due', () => {
    const p = planAgentTask(obs({ task: task({ timeoutSeconds: 60 }, running), workload: wl('Running') }));
    expect(p.requeueAfterMs).toBe(30_050);
  });

  it('a finished task changes nothing but stops a pod still running', () => {
    const done = { ...running, phase: 'Failed' as const, outcome: 'Cancelled' as const };
    const p = planAgentTask(obs({ task: task({}, done), workload: wl('Running') }));
    expect(p.actions).toEqual([{ type: 'deleteWorkload', name: 'fix-1' }]);
    expect(p.status?.phase).toBe('Failed');
  });

  it('a scripted task without steps: Failed InvalidSpec naming the field', () => {
    const p = planAgentTask(obs({ task: task({ agent: { driver: 'scripted' } }) }));
    expect(p.status).toMatchObject({ phase: 'Failed', outcome: 'InvalidSpec', message: expect.stringContaining('spec.agent.steps') });
  });

  it('spec.dependsOn: Blocked (WaitingForDependency, naming them) with no Workload until every one Succeeded; a failed one → DependencyFailed', () => {
    const t = task({ dependsOn: ['setup', 'models'] });
    const waiting = planAgentTask(obs({ task: t, dependencies: [{ name: 'setup', phase: 'Succeeded', outcome: 'PullRequestOpened' }, { name: 'models', phase: 'Reviewing' }] }));
    expect(waiting.actions).toEqual([]);
    expect(waiting.status?.phase).toBe('Pending');
    expect(waiting.status?.conditions?.find((c) => c.type === 'Blocked')).toMatchObject({ status: 'True', reason: 'WaitingForDependency', message: 'waits for models (Reviewing) to succeed (change merged)' });
    expect(waiting.events.map((e) => e.reason)).toEqual(['WaitingForDependency']);
    const missing = planAgentTask(obs({ task: t, dependencies: [undefined, undefined] }));
    expect(missing.status?.message).toBe('waits for setup (not found), models (not found) to succeed (change merged)');
    const failed = planAgentTask(obs({ task: t, dependencies: [{ name: 'setup', phase: 'Failed', outcome: 'MaxAttemptsReached' }, { name: 'models', phase: 'Running' }] }));
    expect(failed.status?.conditions?.find((c) => c.type === 'Blocked')).toMatchObject({ reason: 'DependencyFailed', message: expect.stringContaining('setup (Failed, MaxAttemptsReached)') });
    const blockedTask = task({ dependsOn: ['setup', 'models'] }, waiting.status);
    const go = planAgentTask(obs({ task: blockedTask, dependencies: [{ name: 'setup', phase: 'Succeeded' }, { name: 'models', phase: 'Succeeded' }] }));
    expect(go.actions).toEqual([{ type: 'ensureIdentity' }, { type: 'createWorkload', attempt: 1 }]);
    expect(go.status?.conditions?.find((c) => c.type === 'Blocked')).toMatchObject({ status: 'False', reason: 'DependenciesMerged' });
  });

  it('spec.concurrency: a full group keeps the task Pending, Blocked ConcurrencyLimit, no Workload; a free slot starts it (SlotFree)', () => {
    const t = task({ concurrency: { group: 'app.001-login', limit: 2 } });
    const full = planAgentTask(obs({ task: t, concurrency: { reason: 'ConcurrencyLimit', message: 'concurrency group app.001-login runs 2 of 2 tasks (a, b); waits for a slot' } }));
    expect(full.actions).toEqual([]);
    expect(full.status?.phase).toBe('Pending');
    expect(full.status?.conditions?.find((c) => c.type === 'Blocked')).toMatchObject({ status: 'True', reason: 'ConcurrencyLimit', message: expect.stringContaining('runs 2 of 2 tasks (a, b)') });
    expect(full.requeueAfterMs).toBe(30_000);
    const go = planAgentTask(obs({ task: task({ concurrency: { group: 'app.001-login', limit: 2 } }, full.status) }));
    expect(go.actions).toEqual([{ type: 'ensureIdentity' }, { type: 'createWorkload', attempt: 1 }]);
    expect(go.status?.conditions?.find((c) => c.type === 'Blocked')).toMatchObject({ status: 'False', reason: 'SlotFree' });
  });
});
