import { describe, expect, it } from '@jest/globals';
import type { AgentTask } from '../../src/api/agenttask/types.js';
import { concurrencyBlock, dispatchObservation, wakeOnEnd, type TaskCache } from './dependencies.js';

const at = (name: string, spec: Partial<AgentTask['spec']> = {}, status?: AgentTask['status'], ns = 'acme'): AgentTask =>
  ({ apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata: { name, namespace: ns }, spec: { org: ns, repo: { url: 'http://x/y.git' }, source: { inline: { title: name } }, ...spec }, ...(status ? { status } : {}) }) as AgentTask;

const cacheOf = (tasks: AgentTask[]): TaskCache => ({ get: (k) => tasks.find((t) => `${t.metadata.namespace}/${t.metadata.name}` === k), list: () => tasks });
const group = { group: 'app.001-login', limit: 2 };

describe('concurrencyBlock', () => {
  it('counts started, unfinished members and admitted ones; names them', () => {
    expect(concurrencyBlock(undefined, [])).toBeUndefined();
    expect(concurrencyBlock(group, [{ name: 'a', attempt: 1, phase: 'Running' }, { name: 'b', attempt: 2, phase: 'Succeeded' }, { name: 'c' }])).toBeUndefined();
    expect(concurrencyBlock(group, [{ name: 'a', attempt: 1, phase: 'Running' }, { name: 'c' }], new Set(['c']))).toEqual({ reason: 'ConcurrencyLimit', message: 'concurrency group app.001-login runs 2 of 2 tasks (a, c); waits for a slot' });
    expect(concurrencyBlock(group, [{ name: 'r', attempt: 1, phase: 'Reviewing' }, { name: 's', attempt: 1, phase: 'Pending' }])?.reason).toBe('ConcurrencyLimit');
  });
});

describe('dispatchObservation', () => {
  it('reads dependencies and the group from the cache; other namespaces and groups do not count; admitted keys are pruned once started', () => {
    const running = at('a', { concurrency: group }, { phase: 'Running', attempt: 1 });
    const admittedOnly = at('b', { concurrency: group });
    const otherNs = at('x', { concurrency: group }, { phase: 'Running', attempt: 1 }, 'other');
    const otherGroup = at('y', { concurrency: { group: 'g2', limit: 1 } }, { phase: 'Running', attempt: 1 });
    const me = at('me', { concurrency: group, dependsOn: ['a', 'gone'] });
    const admitted = new Set(['acme/b', 'acme/a']);
    const o = dispatchObservation(me, cacheOf([running, admittedOnly, otherNs, otherGroup, me]), admitted);
    expect(o.dependencies).toEqual([{ name: 'a', phase: 'Running' }, undefined]);
    expect(o.concurrency?.message).toContain('runs 2 of 2 tasks (a, b)');
    expect([...admitted]).toEqual(['acme/b']);
    expect(dispatchObservation(at('me', { concurrency: { ...group, limit: 3 } }), cacheOf([running, admittedOnly]), admitted).concurrency).toBeUndefined();
    expect(dispatchObservation(at('me', { concurrency: group }, { attempt: 1 }), cacheOf([running, admittedOnly]), admitted)).toEqual({});
  });
});

describe('wakeOnEnd', () => {
  it('an ended or deleted task wakes the unstarted tasks that depend on it or share its group', () => {
    const dep = at('d', { dependsOn: ['a'] });
    const peer = at('p', { concurrency: group });
    const startedPeer = at('q', { concurrency: group }, { attempt: 1, phase: 'Running' });
    const unrelated = at('u');
    const all = [dep, peer, startedPeer, unrelated];
    expect(wakeOnEnd(at('a', { concurrency: group }, { phase: 'Running', attempt: 1 }), all)).toEqual([]);
    expect(wakeOnEnd(at('a', { concurrency: group }, { phase: 'Succeeded', attempt: 1 }), all)).toEqual(['acme/d', 'acme/p']);
    const deleting = at('a', { concurrency: group }, { phase: 'Running', attempt: 1 });
    (deleting.metadata as { deletionTimestamp?: unknown }).deletionTimestamp = new Date('2026-12-05T00:00:00Z');
    expect(wakeOnEnd(deleting, all)).toEqual(['acme/d', 'acme/p']);
  });
});
