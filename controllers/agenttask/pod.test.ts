import type { AgentTask } from '../../src/api/agenttask/types.js';
import { agentPodSpec, agentWorkload } from './pod.js';

const task = (labels?: Record<string, string>): AgentTask =>
  ({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AgentTask',
    metadata: { name: 'fix', namespace: 'acme', uid: 'u1', ...(labels ? { labels } : {}) },
    spec: { org: 'acme', repo: { url: 'http://127.0.0.1:3000/acme/app.git' }, source: { inline: { title: 'Fix it' } }, agent: { driver: 'scripted', steps: [{ run: 'true' }] } },
  }) as AgentTask;
const cfg = { image: 'localhost/weft-agent:dev', gatewayUrl: 'http://op:8080' };

describe('agentWorkload', () => {
  it('names the attempt, labels it with the task, and carries the task\'s weft.dev/canary label (a canary operator runs both)', () => {
    const wl = agentWorkload(task({ 'weft.dev/canary': 'true', team: 'x' }), 2, cfg);
    expect(wl.metadata).toMatchObject({ name: 'fix-2', namespace: 'acme', labels: { 'weft.dev/canary': 'true', 'weft.dev/agenttask': 'fix', 'weft.dev/attempt': '2' } });
    expect(wl.metadata?.labels?.team).toBeUndefined();
    expect(agentWorkload(task(), 1, cfg).metadata?.labels?.['weft.dev/canary']).toBeUndefined();
  });

  it('weft.dev/crash-at reaches the runner (WEFT_CRASH_AT) only with test hooks on, and only for its attempt', () => {
    const t = task();
    t.metadata.annotations = { 'weft.dev/crash-at': '1:after:clone, 2:after:commit,2:after:push' };
    const env = (attempt: number, hooks: boolean) => agentPodSpec(t, attempt, { ...cfg, testHooks: hooks }).containers[0]!.env?.find((e) => e.name === 'WEFT_CRASH_AT')?.value;
    expect(env(1, false)).toBeUndefined();
    expect(env(1, true)).toBe('after:clone');
    expect(env(2, true)).toBe('after:commit,after:push');
    expect(env(3, true)).toBeUndefined();
  });
});
