import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { AgentTask } from '../../../api/agenttask/index.js';
import { upstreamFromSecret } from './credentials.js';
import { registerGitGateway } from './routes.js';

// In-process checks of what the routes answer before any git runs; the real clone and push are
// in test/integration/git-gateway.test.ts.
describe('git gateway routes (in process)', () => {
  let app: FastifyInstance;
  let dir: string;
  const registry = new Registry();
  const identities: Record<string, { namespace: string; serviceAccount: string }> = { 'tok-a': { namespace: 'team', serviceAccount: 'weft-task-a' } };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-gitgw-unit-'));
    app = Fastify();
    registerGitGateway(app, {
      verifier: { verify: async (t) => identities[t] },
      loadTask: async (t) => (t.name === 'a' ? ({ metadata: { name: 'a', namespace: 'team', uid: 'u1' }, spec: { repo: { url: 'ssh://git@forge.example/a.git' } } } as AgentTask) : undefined),
      loadUpstream: upstreamFromSecret(async () => undefined),
      mirrorDir: dir,
      metrics: registry,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('challenges a request without a token with Basic, as git clients expect', async () => {
    const res = await app.inject({ method: 'GET', url: '/git/team/a.git/info/refs?service=git-upload-pack' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="weft"');
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('weft git gateway: no token');
  });

  it('accepts the token as a Basic password and binds it to the task (403 for another task, 404 for a missing one)', async () => {
    const basic = `Basic ${Buffer.from('x:tok-a').toString('base64')}`;
    const other = await app.inject({ method: 'GET', url: '/git/team/b.git/info/refs?service=git-upload-pack', headers: { authorization: basic } });
    expect(other.statusCode).toBe(403);
    expect(other.body).toContain('may not use the git routes of AgentTask team/b');
    const res = await app.inject({ method: 'POST', url: '/git/team/b/git-receive-pack', headers: { authorization: basic, 'content-type': 'application/x-git-receive-pack-request' }, payload: Buffer.from('0000') });
    expect(res.statusCode).toBe(403);
  });

  it('refuses dumb HTTP and unknown services', async () => {
    const res = await app.inject({ method: 'GET', url: '/git/team/a.git/info/refs', headers: { authorization: 'Bearer tok-a' } });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('smart HTTP only');
  });

  it('names the field and the fix when the task\'s repository cannot be mirrored', async () => {
    const res = await app.inject({ method: 'GET', url: '/git/team/a.git/info/refs?service=git-upload-pack', headers: { authorization: 'Bearer tok-a' } });
    expect(res.statusCode).toBe(500);
    expect(res.body).toContain('AgentTask team/a: spec.repo.url scheme "ssh:" is not supported by the git gateway; use an http(s):// clone URL');
  });

  it('counts refusals by service and outcome', async () => {
    const m = await registry.metrics();
    expect(m).toContain('weft_git_requests_total{service="upload-pack",outcome="unauthenticated"} 1');
    expect(m).toContain('weft_git_requests_total{service="receive-pack",outcome="forbidden"} 1');
  });
});
