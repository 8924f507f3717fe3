// The transcript download route against a real apiserver: RBAC get on agenttasks/transcript
// (SubjectAccessReview), the newest attempt by default, 404s that say what exists.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import Fastify, { type FastifyInstance } from 'fastify';
import { RestClient } from '../../src/runtime/index.js';
import { registerTranscriptRoutes } from '../../src/server/transcripts/routes.js';
import { controlPlane, createNamespace, deleteNamespace } from '../harness/index.js';
import { deleteClusterRbac, userWithRbac } from './dashboard-helpers.js';

describe('GET /api/v1/agenttasks/{ns}/{name}/transcript (real apiserver RBAC)', () => {
  let admin: KubeConfig;
  let ns: string;
  let dir: string;
  let app: FastifyInstance;
  let url: string;
  const users: Array<{ name: string; token: string }> = [];

  beforeAll(async () => {
    admin = (await controlPlane()).kubeConfig();
    ns = await createNamespace(admin, 'transcripts');
    dir = await mkdtemp(join(tmpdir(), 'weft-transcripts-'));
    await mkdir(join(dir, ns, 'fix'), { recursive: true });
    await writeFile(join(dir, ns, 'fix', 'attempt-1.jsonl'), '{"attempt":1}\n');
    await writeFile(join(dir, ns, 'fix', 'attempt-2.jsonl'), '{"attempt":2}\n');
    app = Fastify();
    registerTranscriptRoutes(app, { rest: new RestClient(admin), dir });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    users.push(await userWithRbac(admin, ns, 'reader', { namespaced: { [ns]: [{ apiGroups: ['weft.dev'], resources: ['agenttasks/transcript'], verbs: ['get'] }] } }));
    users.push(await userWithRbac(admin, ns, 'viewer', { namespaced: { [ns]: [{ apiGroups: ['weft.dev'], resources: ['agenttasks'], verbs: ['get', 'list'] }] } }));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await deleteClusterRbac(admin, users.map((u) => u.name));
    if (ns) await deleteNamespace(admin, ns);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const get = (path: string, token: string) => fetch(`${url}/api/v1/agenttasks/${ns}/${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('the reader gets the newest attempt, or the one asked for; unknown attempts and tasks are 404 saying what exists', async () => {
    const [reader] = users;
    const newest = await get('fix/transcript', reader!.token);
    expect(newest.status).toBe(200);
    expect(newest.headers.get('content-type')).toContain('application/x-ndjson');
    expect(await newest.text()).toBe('{"attempt":2}\n');
    expect(await (await get('fix/transcript?attempt=1', reader!.token)).text()).toBe('{"attempt":1}\n');
    const missing = await get('fix/transcript?attempt=5', reader!.token);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe(`AgentTask ${ns}/fix has no transcript for attempt 5; attempts with one: 2, 1`);
    const none = await get('other/transcript', reader!.token);
    expect(((await none.json()) as { message: string }).message).toContain('made no LLM request through the gateway yet');
  });

  it('get on agenttasks is not enough: 403 naming agenttasks/transcript; no token: 401', async () => {
    const denied = await get('fix/transcript', users[1]!.token);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { message: string }).message).toContain('agenttasks/transcript');
    expect((await fetch(`${url}/api/v1/agenttasks/${ns}/fix/transcript`)).status).toBe(401);
  });
});
