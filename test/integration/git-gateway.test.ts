/**
 * The git gateway against a real kube-apiserver (TokenReview of TokenRequest tokens, AgentTasks
 * and the forge Secret read over the API), a real Gitea and the real git client: clone and push
 * through the gateway, the branch scope, tokens bound to their task, the forge refusing or having
 * moved, and a scan for the forge token in the mirrors and logs.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { request } from 'undici';
import type { AgentTask } from '../../src/api/agenttask/index.js';
import { AGENTTASKS } from '../../src/api/resources.js';
import { TokenVerifier, kubeSecretReader, kubeTaskLoader, kubeTokenReview, registerGitGateway, taskServiceAccountName, upstreamFromSecret, type GitGateway, type UpstreamRepo } from '../../src/agents/gateway/index.js';
import { LocalGitea } from '../../src/forge/local/gitea.js';
import { RestClient } from '../../src/runtime/index.js';
import { controlPlane, createNamespace, deleteNamespace } from '../harness/index.js';
import { withLogTail } from './forge-helpers.js';

const AUTHOR = { GIT_AUTHOR_NAME: 'agent', GIT_AUTHOR_EMAIL: 'agent@example.invalid', GIT_COMMITTER_NAME: 'agent', GIT_COMMITTER_EMAIL: 'agent@example.invalid' };

let admin: KubeConfig;
let rest: RestClient;
let core: CoreV1Api;
let ns: string;
let gitea: LocalGitea;
let repo: string;
let app: FastifyInstance;
let gw: GitGateway;
let base: string;
let work: string;
let mirrorDir: string;
const logs: string[] = [];
const registry = new Registry();
const tokens: Record<string, string> = {};
/** Runs once on the next-but-one upstream lookup (the POST of a push, after its GET). */
let beforePushUpstream: { calls: number; run: () => Promise<void> } | undefined;
const it_ = (name: string, fn: () => Promise<void>, timeout?: number) => it(name, withLogTail(() => `${gitea?.logTail() ?? ''}\n--- gateway log ---\n${logs.slice(-20).join('')}`, fn), timeout);

async function createTask(name: string, repoSpec: AgentTask['spec']['repo']): Promise<void> {
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: taskServiceAccountName(name) } } });
  await rest.create<AgentTask>(AGENTTASKS, { metadata: { name, namespace: ns }, spec: { org: 'acme', repo: repoSpec, source: { inline: { title: name } } } } as AgentTask);
  const tr = await core.createNamespacedServiceAccountToken({ name: taskServiceAccountName(name), namespace: ns, body: { spec: { audiences: ['weft'], expirationSeconds: 600 } } });
  tokens[name] = tr.status!.token!;
}

/** The real git client as an agent runs it: no config of its own, the token as a Bearer header or through askpass (Basic). */
async function agentGit(args: string[], o: { cwd?: string; task?: string; token?: string; basic?: boolean } = {}) {
  const token = o.token ?? (o.task ? tokens[o.task] : undefined);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', ...AUTHOR };
  let pre: string[] = [];
  if (token && o.basic) Object.assign(env, { GIT_ASKPASS: join(work, 'askpass.sh'), AGENT_TOKEN: token });
  else if (token) pre = ['-c', `http.extraHeader=Authorization: Bearer ${token}`];
  const r = await execa('git', [...pre, ...args], { cwd: o.cwd ?? work, env, extendEnv: false, reject: false, timeout: 60_000 });
  return { code: r.exitCode, out: `${r.stdout}\n${r.stderr}` };
}

const urlOf = (task: string, user = '') => `${base.replace('http://', `http://${user}`)}/git/${ns}/${task}.git`;
const branchSha = async (branch: string) => (await gitea.api<{ commit: { id: string } }>('GET', `/repos/${repo}/branches/${encodeURIComponent(branch)}`, gitea.admin.token)).commit.id;

async function cloneAndCommit(task: string, file: string, o: { basic?: boolean } = {}): Promise<string> {
  const dir = join(work, `${task}-${randomBytes(3).toString('hex')}`);
  const clone = await agentGit(['clone', '-q', urlOf(task, o.basic ? 'agent@' : ''), dir], { task, ...o });
  expect(clone).toMatchObject({ code: 0 });
  await writeFile(join(dir, file), `${file} by ${task}\n`);
  expect((await agentGit(['add', '-A'], { cwd: dir })).code).toBe(0);
  expect((await agentGit(['commit', '-q', '-m', `Add ${file}`], { cwd: dir })).code).toBe(0);
  return dir;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  admin = (await controlPlane()).kubeConfig();
  rest = new RestClient(admin);
  core = admin.makeApiClient(CoreV1Api);
  ns = await createNamespace(admin, 'gitgw');
  gitea = await LocalGitea.start();
  repo = await gitea.createRepo('app');
  work = await mkdtemp(join(tmpdir(), 'weft-gitgw-'));
  mirrorDir = join(work, 'mirrors');
  await writeFile(join(work, 'askpass.sh'), '#!/bin/sh\nprintf "%s\\n" "$AGENT_TOKEN"\n');
  await chmod(join(work, 'askpass.sh'), 0o700);
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'forge' }, stringData: { token: gitea.admin.token } } });
  const fromSecret = upstreamFromSecret(kubeSecretReader(rest));
  const log = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, cb) => (logs.push(chunk.toString()), cb()) }));
  app = Fastify();
  gw = registerGitGateway(app, {
    verifier: new TokenVerifier({ review: kubeTokenReview(rest), ttlMs: 30_000 }),
    loadTask: kubeTaskLoader(rest),
    loadUpstream: async (task): Promise<UpstreamRepo> => {
      // The CRD admits only https:// clone URLs; the local Gitea speaks plain HTTP on loopback.
      const up = await fromSecret({ ...task, spec: { ...task.spec, repo: { ...task.spec.repo, url: task.spec.repo.url.replace('https://127.0.0.1:', 'http://127.0.0.1:') } } });
      if (beforePushUpstream && ++beforePushUpstream.calls === 2) await beforePushUpstream.run();
      return up;
    },
    mirrorDir,
    metrics: registry,
    log,
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  const forgeRepo = { url: `${gitea.url.replace('http://', 'https://')}/${repo}.git`, credentialsSecretRef: { name: 'forge' } };
  for (const t of ['task-a', 'task-b', 'task-race']) await createTask(t, forgeRepo);
  // A second upstream, a bare repository on disk whose pre-receive hook refuses the agent's branch.
  const seed = join(work, 'seed');
  const upstream = join(work, 'upstream.git');
  await execa('git', ['init', '-q', '--bare', '-b', 'main', upstream]);
  await execa('git', ['init', '-q', '-b', 'main', seed]);
  await writeFile(join(seed, 'README.md'), 'hooked\n');
  await execa('git', ['add', '-A'], { cwd: seed });
  await execa('git', ['commit', '-qm', 'Seed'], { cwd: seed, env: AUTHOR });
  await execa('git', ['push', '-q', upstream, 'main'], { cwd: seed });
  await writeFile(join(upstream, 'hooks', 'pre-receive'), '#!/bin/sh\necho "branch policy says no" >&2\nexit 1\n');
  await chmod(join(upstream, 'hooks', 'pre-receive'), 0o755);
  await createTask('task-hook', { url: `file://${upstream}` });
}, 180_000);

afterAll(async () => {
  await app?.close();
  await gitea?.stop();
  if (work) await rm(work, { recursive: true, force: true });
  if (ns) await deleteNamespace(admin, ns);
});

describe('git gateway (real apiserver, real Gitea, real git)', () => {
  it_('clones through the gateway, and a push to weft/<task> reaches Gitea', async () => {
    const dir = await cloneAndCommit('task-a', 'a.txt');
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain('app');
    const push = await agentGit(['push', 'origin', 'HEAD:weft/task-a'], { cwd: dir, task: 'task-a' });
    expect(push.out).toContain('[new branch]');
    expect(push.code).toBe(0);
    const head = (await agentGit(['rev-parse', 'HEAD'], { cwd: dir })).out.trim();
    expect(await branchSha('weft/task-a')).toBe(head);
    // A fast-forward follows.
    await writeFile(join(dir, 'a.txt'), 'second\n');
    await agentGit(['commit', '-qam', 'Second'], { cwd: dir });
    expect((await agentGit(['push', 'origin', 'HEAD:weft/task-a'], { cwd: dir, task: 'task-a' })).code).toBe(0);
    expect(await branchSha('weft/task-a')).toBe((await agentGit(['rev-parse', 'HEAD'], { cwd: dir })).out.trim());
  });

  it_('answers the Basic challenge: git asks for the token (askpass) after a 401 and pushes with it', async () => {
    const dir = await cloneAndCommit('task-b', 'b.txt', { basic: true });
    const push = await agentGit(['push', 'origin', 'HEAD:weft/task-b'], { cwd: dir, task: 'task-b', basic: true });
    expect(push.code).toBe(0);
    expect(await branchSha('weft/task-b')).toBe((await agentGit(['rev-parse', 'HEAD'], { cwd: dir })).out.trim());
  });

  it_('serves protocol v0 clients too (the "# service=" advertisement)', async () => {
    const dir = join(work, 'v0-clone');
    const clone = await agentGit(['-c', 'protocol.version=0', 'clone', '-q', urlOf('task-a'), dir], { task: 'task-a' });
    expect(clone.code).toBe(0);
    expect((await agentGit(['rev-parse', 'origin/weft/task-a'], { cwd: dir })).out.trim()).toBe(await branchSha('weft/task-a'));
  });

  it_('refuses a push to main, naming the allowed branch, and main stays as it was', async () => {
    const main = await branchSha('main');
    const dir = await cloneAndCommit('task-a', 'main.txt');
    const push = await agentGit(['push', 'origin', 'HEAD:main'], { cwd: dir, task: 'task-a' });
    expect(push.code).not.toBe(0);
    expect(push.out).toContain('! [remote rejected] HEAD -> main (weft: agents of AgentTask "task-a" may push only refs/heads/weft/task-a (git push origin HEAD:weft/task-a))');
    expect(await branchSha('main')).toBe(main);
  });

  it_('refuses deleting weft/<task> and a non-fast-forward push; the branch is untouched', async () => {
    const before = await branchSha('weft/task-a');
    const dir = await cloneAndCommit('task-a', 'x.txt');
    const del = await agentGit(['push', 'origin', ':weft/task-a'], { cwd: dir, task: 'task-a' });
    expect(del.code).not.toBe(0);
    expect(del.out).toContain('deleting refs/heads/weft/task-a is not allowed');
    const force = await agentGit(['push', '-f', 'origin', 'HEAD:weft/task-a'], { cwd: dir, task: 'task-a' });
    expect(force.code).not.toBe(0);
    expect(force.out).toMatch(/non-fast-forward/);
    expect(await branchSha('weft/task-a')).toBe(before);
  });

  it_('refuses task A\'s token on task B\'s routes (403) and a request without a token (401, Basic challenge)', async () => {
    const crossed = await request(`${urlOf('task-b')}/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${tokens['task-a']}` } });
    expect(crossed.statusCode).toBe(403);
    expect(await crossed.body.text()).toContain(`may not use the git routes of AgentTask ${ns}/task-b`);
    const viaGit = await agentGit(['ls-remote', urlOf('task-b')], { task: 'task-a' });
    expect(viaGit.code).not.toBe(0);
    expect(viaGit.out).toContain('403');
    const none = await request(`${urlOf('task-a')}/info/refs?service=git-receive-pack`);
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="weft"');
    expect(await none.body.text()).toContain('no token');
  });

  it_('does not clobber a change made on the forge after the agent fetched: the push fails and the mirror is rolled back', async () => {
    const dir = await cloneAndCommit('task-race', 'race.txt');
    expect((await agentGit(['push', 'origin', 'HEAD:weft/task-race'], { cwd: dir, task: 'task-race' })).code).toBe(0);
    const mine = await branchSha('weft/task-race');
    await writeFile(join(dir, 'race.txt'), 'agent v2\n');
    await agentGit(['commit', '-qam', 'Agent v2'], { cwd: dir });
    // Given a reviewer who commits to the branch on the forge between the agent's fetch and its push
    beforePushUpstream = {
      calls: 0,
      run: async () => {
        await gitea.api('POST', `/repos/${repo}/contents/review.txt`, gitea.admin.token, { content: Buffer.from('review\n').toString('base64'), message: 'Reviewer fix', branch: 'weft/task-race' });
      },
    };
    // When the agent pushes
    const push = await agentGit(['push', 'origin', 'HEAD:weft/task-race'], { cwd: dir, task: 'task-race' });
    beforePushUpstream = undefined;
    // Then it is told to pull, the reviewer's commit stays, and the mirror's branch is back where the forge was
    expect(push.code).not.toBe(0);
    expect(push.out).toContain('weft/task-race changed on the forge since you fetched; git pull --rebase and push again');
    const forgeHead = await branchSha('weft/task-race');
    expect(forgeHead).not.toBe(mine);
    const mirror = (await readdir(join(mirrorDir, ns))).find((d) => d.startsWith('task-race-'))!;
    const inMirror = (await execa('git', ['for-each-ref', '--format=%(objectname)', 'refs/heads/weft/task-race'], { cwd: join(mirrorDir, ns, mirror) })).stdout.trim();
    expect(inMirror).toBe(mine);
    // And after a pull --rebase the push goes through
    expect((await agentGit(['pull', '-q', '--rebase', 'origin', 'weft/task-race'], { cwd: dir, task: 'task-race' })).code).toBe(0);
    expect((await agentGit(['push', 'origin', 'HEAD:weft/task-race'], { cwd: dir, task: 'task-race' })).code).toBe(0);
    expect(await branchSha('weft/task-race')).toBe((await agentGit(['rev-parse', 'HEAD'], { cwd: dir })).out.trim());
  }, 90_000);

  it_('reports a push the forge refuses as rejected, and the mirror forgets the branch', async () => {
    const dir = await cloneAndCommit('task-hook', 'hook.txt');
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe('hooked\n');
    const push = await agentGit(['push', 'origin', 'HEAD:weft/task-hook'], { cwd: dir, task: 'task-hook' });
    expect(push.code).not.toBe(0);
    expect(push.out).toContain('! [remote rejected] HEAD -> weft/task-hook (weft: the forge refused the push of weft/task-hook; nothing was pushed)');
    expect(push.out).toContain('pre-receive hook declined');
    const mirror = (await readdir(join(mirrorDir, ns))).find((d) => d.startsWith('task-hook-'))!;
    const left = await execa('git', ['for-each-ref', 'refs/heads/weft/'], { cwd: join(mirrorDir, ns, mirror) });
    expect(left.stdout).toBe('');
    // A retry sees the same answer (the mirror does not claim the branch exists).
    expect((await agentGit(['push', 'origin', 'HEAD:weft/task-hook'], { cwd: dir, task: 'task-hook' })).out).toContain('the forge refused the push');
    // When the task goes, its mirror can be removed; a later request would fetch it again.
    const obj = await rest.get<AgentTask>(AGENTTASKS, 'task-hook', ns);
    await gw.mirrors.remove({ namespace: ns, name: 'task-hook' }, obj.metadata.uid);
    expect((await readdir(join(mirrorDir, ns))).filter((d) => d.startsWith('task-hook-'))).toEqual([]);
  });

  it_('counts requests per service and outcome, and bytes', async () => {
    const m = await registry.metrics();
    expect(m).toMatch(/weft_git_requests_total\{service="upload-pack",outcome="ok"\} [1-9]/);
    expect(m).toMatch(/weft_git_requests_total\{service="receive-pack",outcome="ok"\} [1-9]/);
    expect(m).toMatch(/weft_git_requests_total\{service="receive-pack",outcome="refused"\} [1-9]/);
    expect(m).toMatch(/weft_git_requests_total\{service="receive-pack",outcome="upstream_failed"\} 3/);
    expect(m).toMatch(/weft_git_requests_total\{service="upload-pack",outcome="forbidden"\} [1-9]/);
    expect(m).toMatch(/weft_git_bytes_total\{service="upload-pack",direction="out"\} [1-9]/);
    expect(m).toMatch(/weft_git_bytes_total\{service="receive-pack",direction="in"\} [1-9]/);
  });

  it_('leaves the forge token nowhere in the mirrors, the agent\'s clones, the logs or the Git configs', async () => {
    const secret = gitea.admin.token;
    const forms = [secret, Buffer.from(`x-access-token:${secret}`).toString('base64')];
    // Everything on disk here: the mirrors, the agent's clones and their .git directories.
    const files = await filesUnder(work);
    expect(files.filter((f) => f.startsWith(mirrorDir)).length).toBeGreaterThan(10);
    for (const f of files) {
      const bytes = await readFile(f);
      for (const s of forms) expect({ file: f, found: bytes.includes(s) }).toEqual({ file: f, found: false });
    }
    expect(logs.length).toBeGreaterThan(0);
    for (const s of forms) expect(logs.join('')).not.toContain(s);
    const config = await readFile(join(mirrorDir, ns, (await readdir(join(mirrorDir, ns)))[0]!, 'config'), 'utf8');
    expect(config).not.toMatch(/remote|url|extraheader/i);
  });
});
