import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { GiteaForge } from '../../src/forge/gitea.js';
import { runGit } from '../../src/forge/git.js';
import { LocalGitea } from '../../src/forge/local/gitea.js';
import { GIT_BAD_INPUTS } from '../fixtures/mcp-git-bad-inputs.js';
import { httpClient, requireBuild, resultText, runWeft, startHttp, stdioClient } from './mcp-helpers.js';

// `weft mcp git` through the SDK client, over stdio and streamable HTTP, against a real Gitea
// (built by `hack/build-tools.sh gitea`; LocalGitea.start names that command when it is missing).
// The agent's flow: create_branch → commit → push → open_change (twice: one change) → a reviewer's
// line comment → list_review_comments → reply → change_status.
const PREFIX = 'weft/task-a';
let gitea: LocalGitea;
let forge: GiteaForge;
let repo: string;
let dir: string;
let tokenFile: string;
/** Every text the servers sent back or logged: none may carry the forge token. */
const seen: string[] = [];

/** A fresh clone of the repository (the agent's workspace). */
async function cloneWorkspace(name: string): Promise<string> {
  const spec = await forge.cloneSpec(repo);
  const ws = join(dir, name);
  await runGit(['clone', '-q', spec.url, ws], { env: spec.env, repo, url: spec.url });
  return ws;
}

const serverArgs = (workspace: string, prefix = PREFIX) => ['git', '--workspace', workspace, '--repo', repo, '--branch-prefix', prefix, '--forge', 'gitea', '--forge-url', gitea.url, '--forge-token-file', tokenFile];

async function call<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await client.callTool({ name, arguments: args });
  seen.push(resultText(r));
  if (r.isError) throw new Error(`${name} failed: ${resultText(r)}`);
  return r.structuredContent as T;
}

type ChangeOut = { id: string; created: boolean; branch: string; state: string; headSha: string; title: string };
type Threads = { threads: Array<{ id: string; path: string | null; line: number | null; comments: Array<{ author: string; body: string }> }> };

/** The whole agent flow on `branch`; returns the change id. */
async function agentFlow(client: Client, workspace: string, branch: string): Promise<string> {
  expect(await call(client, 'create_branch', { branch })).toMatchObject({ branch, created: true });
  expect(await call(client, 'create_branch', { branch })).toMatchObject({ branch, created: false });
  await mkdir(join(workspace, 'src'), { recursive: true });
  await writeFile(join(workspace, 'src/review.ts'), 'const x = 1;\nconst y = 2;\nconst z = 3;\n');
  await writeFile(join(workspace, 'scratch.txt'), 'not for the commit\n');
  const commit = await call<{ sha: string; files: unknown[] }>(client, 'commit', { paths: ['src/review.ts'], message: 'Add review.ts\n\nFor the review loop.' });
  expect(commit.files).toEqual([{ status: 'A', path: 'src/review.ts' }]);
  const status = await call<{ files: Array<{ path: string }>; writable: boolean }>(client, 'workspace_status', {});
  expect(status).toMatchObject({ branch, writable: true, head: commit.sha, files: [{ path: 'scratch.txt', status: '??' }] });

  expect(await call(client, 'push', {})).toMatchObject({ branch, sha: commit.sha, result: 'created', remote: `${gitea.url}/${repo}.git` });
  expect(await call(client, 'push', { branch })).toMatchObject({ result: 'up-to-date' });
  const opened = await call<ChangeOut>(client, 'open_change', { title: 'Add review.ts', body: 'Opened by the agent' });
  expect(opened).toMatchObject({ created: true, branch, state: 'open', headSha: commit.sha });
  const again = await call<ChangeOut>(client, 'open_change', { title: 'Add review.ts (v2)' });
  expect(again).toMatchObject({ created: false, id: opened.id, title: 'Add review.ts (v2)' });

  // The reviewer comments on line 2 through Gitea's API.
  await gitea.api('POST', `/repos/${repo}/pulls/${opened.id}/reviews`, gitea.reviewer.token, { event: 'COMMENT', body: 'A few things', commit_id: commit.sha, comments: [{ path: 'src/review.ts', body: 'Rename y', new_position: 2 }] });
  const { threads } = await call<Threads>(client, 'list_review_comments', { change: opened.id });
  const line = threads.find((t) => t.path === 'src/review.ts');
  expect(line).toMatchObject({ line: 2, comments: [{ author: 'reviewer', body: 'Rename y' }] });
  expect(await call(client, 'reply', { change: opened.id, thread: line!.id, body: 'Renamed to total' })).toMatchObject({ body: 'Renamed to total', change: opened.id });
  const after = await call<Threads>(client, 'list_review_comments', { change: opened.id, since: new Date(Date.now() - 120_000).toISOString() });
  expect(after.threads.find((t) => t.id === line!.id)?.comments.map((c) => c.body)).toEqual(['Rename y', 'Renamed to total']);
  expect(await call(client, 'change_status', { change: opened.id })).toMatchObject({ id: opened.id, state: 'open', branch, headSha: commit.sha, checks: [], approvedBy: [] });
  const pulls = await gitea.api<Array<{ head: { ref: string } }>>('GET', `/repos/${repo}/pulls?state=open&limit=50`, gitea.admin.token);
  expect(pulls.filter((p) => p.head.ref === branch)).toHaveLength(1);
  return opened.id;
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'weft-mcp-git-'));
  gitea = await LocalGitea.start();
  repo = await gitea.createRepo('agent-work');
  forge = new GiteaForge({ url: gitea.url, token: gitea.admin.token });
  tokenFile = join(dir, 'forge-token');
  await writeFile(tokenFile, `${gitea.admin.token}\n`);
}, 120_000);

afterAll(async () => {
  await forge?.close();
  await gitea?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  // The token travels only through the file: no result, error or log line carries it.
  expect(seen.join('\n')).not.toContain(gitea.admin.token);
});

describe('weft mcp git against a real Gitea', () => {
  it('serves the agent flow over stdio; scope refusals and bad inputs are tool errors naming the argument', async () => {
    const ws = await cloneWorkspace('ws-stdio');
    const outside = await mkdtemp(join(tmpdir(), 'weft-mcp-outside-'));
    const { client, stderr } = await stdioClient(serverArgs(ws));
    try {
      const { tools } = await client.listTools();
      const hints = Object.fromEntries(tools.map((t) => [t.name, [t.annotations?.readOnlyHint, t.annotations?.destructiveHint, t.annotations?.idempotentHint]]));
      expect(hints).toEqual({
        workspace_status: [true, false, true],
        create_branch: [false, false, true],
        commit: [false, false, false],
        push: [false, false, true],
        open_change: [false, false, true],
        list_review_comments: [true, false, true],
        reply: [false, false, false],
        change_status: [true, false, true],
      });
      expect(tools.every((t) => t.outputSchema !== undefined)).toBe(true);
      // On main, right after the clone: nothing can be committed.
      const onMain = await client.callTool({ name: 'commit', arguments: { paths: ['README.md'], message: 'm' } });
      expect(onMain.isError).toBe(true);
      expect(resultText(onMain)).toContain(`branch: the workspace is on "main", outside this server's branch prefix (allowed: "${PREFIX}" or "${PREFIX}/…")`);

      const id = await agentFlow(client, ws, `${PREFIX}/feature`);
      await symlink(outside, join(ws, 'out-link'));

      for (const c of GIT_BAD_INPUTS) {
        const r = await client.callTool({ name: c.tool, arguments: c.args });
        seen.push(resultText(r));
        expect({ call: c, isError: r.isError }).toEqual({ call: c, isError: true });
        expect({ call: c, text: resultText(r) }).toEqual({ call: c, text: expect.stringContaining(c.names) });
      }
      // Another task's change (opened directly on the forge) is refused by id.
      const other = await forge.ensureBranch(repo, { branch: 'weft/task-b/x' });
      expect(other.created).toBe(true);
      await gitea.api('POST', `/repos/${repo}/contents/b.txt`, gitea.admin.token, { content: Buffer.from('b\n').toString('base64'), message: 'b', branch: 'weft/task-b/x' });
      const b = await forge.openOrUpdateChange(repo, { branch: 'weft/task-b/x', title: 'Task B' });
      for (const tool of ['list_review_comments', 'change_status']) {
        const r = await client.callTool({ name: tool, arguments: { change: b.id } });
        expect(resultText(r)).toContain(`change: change ${b.id} is on branch "weft/task-b/x", outside this server's branch prefix`);
      }
      const r = await client.callTool({ name: 'reply', arguments: { change: b.id, thread: 'conversation', body: 'hijack' } });
      expect(resultText(r)).toContain('outside this server');
      // A change that does not exist is a forge error, not a crash; the server still answers.
      const missing = await client.callTool({ name: 'change_status', arguments: { change: '9999' } });
      expect(missing.isError).toBe(true);
      expect(resultText(missing)).toContain('gitea (not-found)');
      expect((await client.callTool({ name: 'change_status', arguments: { change: id } })).isError).toBeFalsy();
      // The workspace's main never moved; the forge's main neither.
      expect((await runGit(['rev-parse', 'main'], { cwd: ws })).stdout.trim()).toBe((await runGit(['rev-parse', 'origin/main'], { cwd: ws })).stdout.trim());
    } finally {
      await client.close();
      seen.push(stderr());
      await rm(outside, { recursive: true, force: true });
    }
  }, 120_000);

  it('serves the agent flow over streamable HTTP with the bearer token', async () => {
    const ws = await cloneWorkspace('ws-http');
    // The workspace's own config and hooks never see the push: a proxy that answers nothing and a
    // pre-push hook that would copy the environment (the credentials) are both left unused.
    const leak = join(dir, 'leaked-env.txt');
    await runGit(['config', 'http.proxy', 'http://127.0.0.1:9'], { cwd: ws });
    await writeFile(join(ws, '.git/hooks/pre-push'), `#!/bin/sh\nenv > ${leak}\n`, { mode: 0o755 });
    // Another task: its prefix is itself the branch (a ref cannot be both weft/task-a and weft/task-a/…).
    const server = await startHttp(serverArgs(ws, 'weft/task-h'));
    const client = await httpClient(server.url);
    try {
      await agentFlow(client, ws, 'weft/task-h');
      const refused = await client.callTool({ name: 'push', arguments: { branch: 'main' } });
      expect(resultText(refused)).toContain('branch: "main" is a default branch');
      expect(existsSync(leak)).toBe(false);
      // Someone else moved the branch on the forge: the push is refused (never forced), with git's reason.
      await gitea.api('POST', `/repos/${repo}/contents/other.txt`, gitea.admin.token, { content: Buffer.from('x\n').toString('base64'), message: 'other', branch: 'weft/task-h' });
      await writeFile(join(ws, 'src/review.ts'), 'const total = 2;\n');
      await call(client, 'commit', { paths: ['src/review.ts'], message: 'Rename y' });
      const behind = await client.callTool({ name: 'push', arguments: {} });
      seen.push(resultText(behind));
      expect(behind.isError).toBe(true);
      expect(resultText(behind)).toMatch(/^branch: git push failed: .*rejected/);
    } finally {
      await client.close();
      await server.stop();
    }
  }, 120_000);

  it.each([
    ['no --branch-prefix', ['--repo', 'weft/x'], '--branch-prefix is required'],
    ['a protected prefix', ['--repo', 'weft/x', '--branch-prefix', 'main'], 'would let the agent write a default branch'],
    ['no --repo', ['--branch-prefix', PREFIX], '--repo is required'],
    ['a malformed --repo', ['--repo', 'x', '--branch-prefix', PREFIX], '--repo "x": expected owner/name'],
    ['an unknown --forge', ['--repo', 'weft/x', '--branch-prefix', PREFIX, '--forge', 'svn'], '--forge "svn": unknown forge'],
    ['a missing token file', ['--repo', 'weft/x', '--branch-prefix', PREFIX, '--forge-url', 'http://127.0.0.1:9', '--forge-token-file', '/nonexistent/token'], '--forge-token-file "/nonexistent/token": cannot read it'],
    ['a URL with credentials', ['--repo', 'weft/x', '--branch-prefix', PREFIX, '--forge-url', 'http://u:secret-pw@127.0.0.1:9'], 'without credentials'],
    ['a workspace that is not a clone', ['--repo', 'weft/x', '--branch-prefix', PREFIX, '--forge-url', 'http://127.0.0.1:9', '--workspace', '/'], 'not the top folder of a git clone'],
  ])('exits 2 for %s', async (_name, args, message) => {
    const { code, stderr } = await runWeft(['mcp', 'git', ...args], { WEFT_FORGE_TOKEN: 'env-token-0123456789' });
    expect(stderr).toContain(message);
    expect(stderr).not.toContain('secret-pw');
    expect(code).toBe(2);
  });
});
