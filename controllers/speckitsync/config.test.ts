import { describe, expect, it } from '@jest/globals';
import { syncConfigOf } from './config.js';

const cm = (annotation: string | undefined, data: Record<string, string> = { org: 'acme' }) => ({ metadata: { name: 'f', namespace: 'dev', ...(annotation ? { annotations: { 'weft.dev/speckit-sync': annotation } } : {}) }, data });

describe('syncConfigOf', () => {
  it('reads the repo and feature from the annotation and the rest from data, with defaults', () => {
    expect(syncConfigOf(cm(undefined))).toBeUndefined();
    const c = syncConfigOf(cm('http://h/acme/app.git#specs/004-review', { org: 'acme', maxParallel: '2', intervalSeconds: '30', credentialsSecret: 'forge', template: 'budget: { maxRequests: 5 }\n' }));
    expect(c).toEqual({ intervalMs: 30_000, options: { repoUrl: 'http://h/acme/app.git', feature: '004-review', namespace: 'dev', org: 'acme', baseBranch: 'main', credentialsSecret: 'forge', maxParallel: 2, template: { budget: { maxRequests: 5 } } } });
    expect(syncConfigOf(cm('http://h/a.git#004-x'))).toMatchObject({ intervalMs: 60_000, options: { template: { agent: { driver: 'weft-agent' } } } });
  });

  it('names the key and what is allowed', () => {
    expect(syncConfigOf(cm('http://h/a.git'))).toEqual({ problem: 'annotation weft.dev/speckit-sync "http://h/a.git" must be "<repo URL>#specs/NNN-name"' });
    expect(syncConfigOf(cm('http://h/a.git#login'))).toMatchObject({ problem: expect.stringContaining('expected specs/NNN-name') });
    expect(syncConfigOf(cm('http://h/a.git#001-x', {}))).toEqual({ problem: 'data.org is required: the organisation that owns the AgentTasks' });
    expect(syncConfigOf(cm('http://h/a.git#001-x', { org: 'a', maxParallel: '0' }))).toEqual({ problem: 'data.maxParallel "0" is not a positive integer' });
    expect(syncConfigOf(cm('http://h/a.git#001-x', { org: 'a', intervalSeconds: '5' }))).toEqual({ problem: 'data.intervalSeconds "5" is not a whole number of seconds ≥ 10' });
    expect(syncConfigOf(cm('http://h/a.git#001-x', { org: 'a', template: 'org: other\n' }))).toMatchObject({ problem: expect.stringContaining('data.template sets org; allowed:') });
    expect(syncConfigOf(cm('http://h/a.git#001-x', { org: 'a', template: '[1' }))).toMatchObject({ problem: expect.stringContaining('data.template is not YAML') });
  });
});
