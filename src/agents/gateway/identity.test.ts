import { bearerToken, bindingProblem, identityOf, jobServiceAccountName, taskServiceAccountName } from './identity.js';
import { TokenVerifier, jwtExpiryMs } from './token-cache.js';

describe('task identity', () => {
  it('names the ServiceAccount of a task, hashing names that would be too long', () => {
    expect(taskServiceAccountName('fix-login')).toBe('weft-task-fix-login');
    const long = taskServiceAccountName('a'.repeat(250));
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long).toMatch(/^weft-task-a+-[0-9a-f]{10}$/);
    expect(taskServiceAccountName('a'.repeat(250))).toBe(long);
    expect(taskServiceAccountName('a'.repeat(249) + 'b')).not.toBe(long);
  });
  it('names the ServiceAccount of a Job the same way, weft-job-<job>', () => {
    expect(jobServiceAccountName('build-1')).toBe('weft-job-build-1');
    const long = jobServiceAccountName('b'.repeat(250));
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long).toMatch(/^weft-job-b+-[0-9a-f]{10}$/);
    expect(jobServiceAccountName('b'.repeat(249) + 'c')).not.toBe(long);
  });
  it('reads ServiceAccount identities from TokenReview statuses', () => {
    expect(identityOf({ authenticated: true, user: { username: 'system:serviceaccount:acme:weft-task-t1', extra: { 'authentication.kubernetes.io/pod-name': ['t1-a1'] } } })).toEqual({ namespace: 'acme', serviceAccount: 'weft-task-t1', podName: 't1-a1' });
    expect(identityOf({ authenticated: false, user: { username: 'system:serviceaccount:acme:x' } })).toBeUndefined();
    expect(identityOf({ authenticated: true, user: { username: 'alice' } })).toBeUndefined();
  });
  it('binds a token to its own task only', () => {
    const id = { namespace: 'acme', serviceAccount: 'weft-task-t1' };
    expect(bindingProblem(id, { namespace: 'acme', name: 't1' })).toBeUndefined();
    expect(bindingProblem(id, { namespace: 'acme', name: 't2' })).toMatch(/acme\/weft-task-t1 may not use the LLM routes of AgentTask acme\/t2 \(only acme\/weft-task-t2 may\)/);
    expect(bindingProblem(id, { namespace: 'other', name: 't1' })).toBeDefined();
  });
  it('takes the token from Authorization: Bearer or x-api-key', () => {
    expect(bearerToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(bearerToken({ 'x-api-key': 'abc' })).toBe('abc');
    expect(bearerToken({ authorization: 'Basic abc' })).toBeUndefined();
    expect(bearerToken({})).toBeUndefined();
  });
});

describe('TokenVerifier', () => {
  const ok = { authenticated: true, user: { username: 'system:serviceaccount:acme:weft-task-t1' } };
  it('reviews once per token within the TTL, again after it, and never caches failures', async () => {
    let t = 0;
    const seen: string[] = [];
    const v = new TokenVerifier({ review: async (tok) => (seen.push(tok), tok === 'good' ? ok : { authenticated: false }), ttlMs: 1000, now: () => t });
    await Promise.all([v.verify('good'), v.verify('good')]);
    expect(await v.verify('good')).toEqual({ namespace: 'acme', serviceAccount: 'weft-task-t1' });
    expect(seen).toEqual(['good']);
    t = 1001;
    await v.verify('good');
    expect(await v.verify('bad')).toBeUndefined();
    expect(await v.verify('bad')).toBeUndefined();
    expect(seen).toEqual(['good', 'good', 'bad', 'bad']);
  });
  it('never caches past the token\'s exp and stays bounded', async () => {
    const exp = (s: number) => `h.${Buffer.from(JSON.stringify({ exp: s })).toString('base64url')}.sig`;
    expect(jwtExpiryMs(exp(100))).toBe(100_000);
    let t = 99_500;
    let calls = 0;
    const v = new TokenVerifier({ review: async () => (calls++, ok), ttlMs: 60_000, maxEntries: 2, now: () => t });
    await v.verify(exp(100));
    t = 100_001;
    await v.verify(exp(100));
    expect(calls).toBe(2);
    await v.verify('a');
    await v.verify('b');
    expect(v.size).toBe(2);
  });
});
