import type { AgentTask } from '../../src/api/agenttask/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { planAgentTask, type AgentTaskObservation } from './plan.js';
import { commentMarker, failingChecks, isWeftComment, newComments } from './review.js';

const NOW = new Date('2026-12-05T10:00:00Z');
const SHA = 'a'.repeat(40);
const URL_ = 'http://g/acme/app/pulls/3';

function task(spec: Partial<AgentTask['spec']> = {}, status?: AgentTask['status']): AgentTask {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AgentTask',
    metadata: { name: 'fix', namespace: 'acme', uid: 'u1', generation: 1 },
    spec: { org: 'acme', repo: { url: 'http://127.0.0.1:3000/acme/app.git' }, source: { inline: { title: 'Fix it' } }, agent: { driver: 'scripted', steps: [{ run: 'true' }] }, ...spec },
    ...(status ? { status } : {}),
  } as AgentTask;
}
const wl = (name: string, phase: string): Workload => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { name, namespace: 'acme' }, spec: { org: 'acme', template: {} }, status: { phase: phase as 'Running' } }) as Workload;
const reviewing = (extra: Partial<NonNullable<AgentTask['status']>> = {}): NonNullable<AgentTask['status']> => ({ phase: 'Reviewing', outcome: 'PullRequestOpened', attempt: 1, workload: 'fix-1', branch: 'weft/fix', pullRequest: { url: URL_, number: 3, state: 'open', headSha: SHA }, ...extra });
const open = (checks: Array<{ context: string; state: 'failure' | 'success' | 'pending' | 'error' }> = []) => ({ url: URL_, id: '3', number: 3, state: 'open' as const, headSha: SHA, checks });
const obs = (o: Partial<AgentTaskObservation>): AgentTaskObservation => ({ task: task({}, reviewing()), now: NOW, forge: true, workload: wl('fix-1', 'Succeeded'), change: open(), ...o });
const feedback = { threads: [{ id: '41', path: 'src/a.ts', line: 7, comments: [{ author: 'rev', body: 'Rename x to count' }] }], lastCommentId: '41', ignored: 0 };

describe('review and CI loops (planAgentTask in Reviewing)', () => {
  it('entering Reviewing posts one summary comment with a marker and a success commit status', () => {
    const running = { phase: 'Running' as const, attempt: 1, workload: 'fix-1', lastRun: { test: 'passed (1 command)' } };
    const p = planAgentTask(obs({ task: task({}, running), change: open(), result: { result: 'pushed', branch: 'weft/fix', headSha: SHA } }));
    const comment = p.actions.find((a) => a.type === 'comment');
    expect(comment).toMatchObject({ marker: commentMarker('u1', 'summary', 1), body: expect.stringContaining('tests: passed (1 command)') });
    expect((comment as { body: string }).body.startsWith(commentMarker('u1', 'summary', 1))).toBe(true);
    expect(p.actions).toContainEqual({ type: 'commitStatus', sha: SHA, state: 'success', description: 'passed (1 command)' });
    // Already Reviewing: no second summary.
    expect(planAgentTask(obs({})).actions.filter((a) => a.type === 'comment')).toEqual([]);
  });

  it('new review comments start an iteration: the next attempt, phase stays Reviewing, the comments are its input', () => {
    const p = planAgentTask(obs({ feedback }));
    const create = p.actions.find((a) => a.type === 'createWorkload');
    expect(create).toMatchObject({ type: 'createWorkload', attempt: 2 });
    expect((create as { diagnostics: string }).diagnostics).toContain('src/a.ts:7 (rev): Rename x to count');
    expect(p.status).toMatchObject({ phase: 'Reviewing', attempt: 2, workload: 'fix-2', review: { iterations: 1, lastCommentId: '41', current: { kind: 'review', attempt: 2, threads: ['41'] } } });
    expect(p.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('AddressingReview');
  });

  it('while the iteration runs it waits; when it pushed, replies in each thread (marker) and sets the commit status', () => {
    const inFlight = reviewing({ attempt: 2, workload: 'fix-2', review: { iterations: 1, lastCommentId: '41', current: { kind: 'review', attempt: 2, threads: ['41'] } } });
    const waiting = planAgentTask(obs({ task: task({}, inFlight), workload: wl('fix-2', 'Running'), feedback }));
    expect(waiting.actions).toEqual([]);
    expect(waiting.status?.phase).toBe('Reviewing');
    const head = 'b'.repeat(40);
    const done = planAgentTask(obs({ task: task({}, inFlight), workload: wl('fix-2', 'Succeeded'), result: { result: 'pushed', branch: 'weft/fix', headSha: head, lastRun: { test: 'passed (1 command)' } } }));
    expect(done.actions).toEqual([
      { type: 'reply', threads: ['41'], marker: commentMarker('u1', 'reply', 2), body: `${commentMarker('u1', 'reply', 2)}\nAddressed in ${head.slice(0, 12)} (attempt 2). Tests: passed (1 command).` },
      { type: 'commitStatus', sha: head, state: 'success', description: 'passed (1 command)' },
    ]);
    expect(done.status?.review?.current).toBeUndefined();
    expect(done.status).toMatchObject({ phase: 'Reviewing', pullRequest: { headSha: head } });
  });

  it('a failed iteration posts its diagnostics on the change once and goes back to waiting', () => {
    const inFlight = reviewing({ attempt: 2, workload: 'fix-2', review: { iterations: 1, current: { kind: 'review', attempt: 2, threads: ['41'] } } });
    const p = planAgentTask(obs({ task: task({}, inFlight), workload: wl('fix-2', 'Failed'), result: { result: 'checks-failed', diagnostics: 'test command `npm test` failed (exit code 1)' } }));
    expect(p.actions).toEqual([{ type: 'comment', marker: commentMarker('u1', 'diagnostics', 2), body: expect.stringContaining('npm test` failed') }]);
    expect(p.status).toMatchObject({ phase: 'Reviewing', diagnostics: 'test command `npm test` failed (exit code 1)' });
    expect(p.events.map((e) => e.reason)).toEqual(['IterationFailed']);
  });

  it('review iterations are bounded by spec.review.maxIterations; iterateOnComments=false never iterates', () => {
    const used = task({ review: { maxIterations: 1 } }, reviewing({ review: { iterations: 1, lastCommentId: '30' } }));
    const p = planAgentTask(obs({ task: used, feedback }));
    expect(p.actions).toEqual([]);
    expect(p.status?.review?.lastCommentId).toBe('41');
    expect(p.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('ReviewIterationsExhausted');
    const off = planAgentTask(obs({ task: task({ review: { iterateOnComments: false } }, reviewing()), feedback }));
    expect(off.actions.filter((a) => a.type === 'createWorkload')).toEqual([]);
  });

  it('a failing check on the head (not weft/agent) starts one CI iteration per head, bounded', () => {
    const p = planAgentTask(obs({ change: open([{ context: 'ci/test', state: 'failure' }, { context: 'weft/agent', state: 'failure' }]) }));
    const create = p.actions.find((a) => a.type === 'createWorkload') as { attempt: number; diagnostics: string };
    expect(create.attempt).toBe(2);
    expect(create.diagnostics).toContain('ci/test: failure');
    expect(create.diagnostics).not.toContain('weft/agent');
    expect(p.status?.review).toMatchObject({ checkIterations: 1, checkedSha: SHA, current: { kind: 'checks', attempt: 2 } });
    // The same head again: not twice.
    const again = planAgentTask(obs({ task: task({}, reviewing({ review: { checkIterations: 1, checkedSha: SHA } })), change: open([{ context: 'ci/test', state: 'failure' }]) }));
    expect(again.actions).toEqual([]);
    // Bound reached on a new head.
    const spent = planAgentTask(obs({ task: task({ review: { maxCheckIterations: 1 } }, reviewing({ review: { checkIterations: 1, checkedSha: 'c'.repeat(40) } })), change: open([{ context: 'ci/test', state: 'error' }]) }));
    expect(spent.actions).toEqual([]);
    expect(spent.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('CheckIterationsExhausted');
  });

  it('a change merged while an iteration runs ends the task Succeeded and stops the pod', () => {
    const inFlight = reviewing({ attempt: 2, workload: 'fix-2', review: { iterations: 1, current: { kind: 'review', attempt: 2 } } });
    const p = planAgentTask(obs({ task: task({}, inFlight), workload: wl('fix-2', 'Running'), change: { ...open(), state: 'merged' } }));
    expect(p.status).toMatchObject({ phase: 'Succeeded', outcome: 'PullRequestOpened' });
    expect(p.actions).toEqual([{ type: 'deleteWorkload', name: 'fix-2' }]);
  });

  it('markers: Weft comments are recognised; only failing non-Weft checks count', () => {
    expect(isWeftComment(`${commentMarker('u', 'summary', 1)}\nhi`)).toBe(true);
    expect(isWeftComment('please fix')).toBe(false);
    expect(failingChecks([{ context: 'a', state: 'pending' }, { context: 'b', state: 'error' }, { context: 'weft/agent', state: 'failure' }]).map((c) => c.context)).toEqual(['b']);
  });

  it('newComments: only ids after the last handled, Weft\'s own left out, the newest id kept (also from Weft comments not counted)', () => {
    const c = (id: string, body: string) => ({ id, author: 'rev', body, createdAt: '' });
    const threads = [
      { id: 'conv', resolved: false, comments: [c('5', 'old'), c('9', `${commentMarker('u', 'summary', 1)} hi`), c('12', 'new one')] },
      { id: '7', path: 'a.ts', line: 3, resolved: false, comments: [c('7', 'old line'), c('11', 'new line')] },
    ];
    expect(newComments(threads, '9')).toEqual({ threads: [{ ...threads[0], comments: [c('12', 'new one')] }, { ...threads[1], comments: [c('11', 'new line')] }], lastCommentId: '12' });
    expect(newComments(threads, '12')).toEqual({ threads: [], lastCommentId: '12' });
    expect(newComments(threads, undefined).threads.flatMap((t) => t.comments.map((x) => x.id))).toEqual(['5', '12', '7', '11']);
  });

  it('newComments on Radicle (comment ids are hashes): the cursor is the newest comment time, @<ms>', () => {
    const c = (id: string, at: number, body = 'text') => ({ id, author: 'did:key:z6Mk', body, createdAt: new Date(at).toISOString() });
    const threads = [{ id: 'r:rev:aa', resolved: false, comments: [c('aa'.repeat(20), 1000), c('bb'.repeat(20), 3000, `${commentMarker('u', 'reply', 2)} done`), c('cc'.repeat(20), 2000)] }];
    expect(newComments(threads, undefined)).toEqual({ threads: [{ ...threads[0], comments: [threads[0]!.comments[0], threads[0]!.comments[2]] }], lastCommentId: '@2000' });
    expect(newComments(threads, '@2000')).toEqual({ threads: [], lastCommentId: '@2000' });
    expect(newComments(threads, '@1500').threads[0]?.comments.map((x) => x.id)).toEqual(['cc'.repeat(20)]);
    // A later comment is new feedback.
    threads[0]!.comments.push(c('dd'.repeat(20), 4000));
    expect(newComments(threads, '@2000')).toMatchObject({ lastCommentId: '@4000' });
  });
});
