import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { generateVault } from '../../bench/mcp-vault.js';
import { OBSIDIAN_BAD_INPUTS, SPECKIT_BAD_INPUTS, type BadInput } from '../fixtures/mcp-bad-inputs.js';
import { TOKEN, WEFT, httpClient, requireBuild, resultText, runWeft, startHttp, stdioClient, type HttpServer } from './mcp-helpers.js';

const exec = promisify(execFile);
const TASKS = fileURLToPath(new URL('../fixtures/speckit/review-loop.md', import.meta.url));
const INSPECTOR = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/inspector-cli/build/index.js', import.meta.url));

let dir: string;
let vault: string;
let repo: string;

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'weft-mcp-'));
  vault = join(dir, 'vault');
  repo = join(dir, 'repo');
  await generateVault(vault, 300);
  await writeFile(join(vault, 'Hub.md'), '# Hub\n\n## Plan\n- one\n');
  await mkdir(join(repo, 'specs/004-review-loop'), { recursive: true });
  await copyFile(TASKS, join(repo, 'specs/004-review-loop/tasks.md'));
  await writeFile(join(repo, 'specs/004-review-loop/spec.md'), '# Feature Specification: Review Loop\n\n**Status**: Draft\n\n### User Story 1 - Agent opens a PR (Priority: P1)\n\n- **FR-001**: System MUST open one PR\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** POSTs a tools/list with the given headers and returns the HTTP status. */
function rawPost(url: string, headers: Record<string, string>): Promise<number> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Every bad call answers an MCP tool error naming the argument; the server keeps serving. */
async function expectBadInputsRefused(client: Client, cases: readonly BadInput[]): Promise<void> {
  for (const c of cases) {
    const r = await client.callTool({ name: c.tool, arguments: c.args });
    expect({ call: c, isError: r.isError }).toEqual({ call: c, isError: true });
    expect({ call: c, text: resultText(r) }).toEqual({ call: c, text: expect.stringContaining(c.names) });
  }
}

describe('weft mcp obsidian', () => {
  it('serves over stdio: tools, search, query sets; 48 bad inputs get tool errors and the server lives on', async () => {
    const { client } = await stdioClient(['obsidian', '--vault', vault, '--allow-write', 'Inbox']);
    try {
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(11);
      const s = await client.callTool({ name: 'search', arguments: { query: 'Note 00007' } });
      expect((s.structuredContent as { hits: Array<{ path: string }> }).hits[0]?.path).toBe('Areas/Research/Note 00007.md');
      const q = await client.callTool({ name: 'run_query_set', arguments: { name: 'Queries/Projects', query: 'Active projects', limit: 3 } });
      expect((q.structuredContent as { results: Array<{ rows: unknown[] }> }).results[0]?.rows).toHaveLength(3);
      expect(OBSIDIAN_BAD_INPUTS.length).toBeGreaterThanOrEqual(48);
      await expectBadInputsRefused(client, OBSIDIAN_BAD_INPUTS);
      expect((await client.callTool({ name: 'list_tags', arguments: {} })).isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  describe('over streamable HTTP', () => {
    let server: HttpServer;
    beforeAll(async () => (server = await startHttp(['obsidian', '--vault', vault])));
    afterAll(async () => server.stop());

    it('serves the SDK client with the bearer token', async () => {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const client = await httpClient(server.url);
      try {
        const r = await client.callTool({ name: 'read_note', arguments: { path: 'Hub' } });
        expect(r.structuredContent).toMatchObject({ path: 'Hub.md', headings: [{ level: 1, text: 'Hub', line: 1 }, { level: 2, text: 'Plan', line: 3 }] });
        const w = await client.callTool({ name: 'append_note', arguments: { path: 'Hub', content: 'x' } });
        expect(resultText(w)).toContain('writes are disabled');
      } finally {
        await client.close();
      }
    });

    it.each([
      ['no token', {}, 401],
      ['a wrong token', { authorization: 'Bearer wrong-token-0123456789' }, 401],
      ['a foreign Host (DNS rebinding)', { authorization: `Bearer ${TOKEN}`, host: 'evil.example:80' }, 403],
      ['a foreign Origin', { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' }, 403],
      ['nothing wrong (the control)', { authorization: `Bearer ${TOKEN}` }, 200],
    ])('answers a request with %s', async (_name, headers, status) => {
      // node:http, not fetch: fetch does not let a caller set Host
      expect(await rawPost(server.url, headers)).toBe(status);
    });

    it('answers 404 off /mcp', async () => {
      const res = await fetch(server.url.replace(/\/mcp$/, '/other'), { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(404);
      await res.text();
    });
  });
});

describe('weft mcp speckit', () => {
  it('serves over stdio: list, get, set status (one byte), note (one line); 20 bad inputs refused', async () => {
    const { client } = await stdioClient(['speckit', '--root', repo]);
    const file = join(repo, 'specs/004-review-loop/tasks.md');
    const before = await readFile(file, 'utf8');
    try {
      const list = await client.callTool({ name: 'list_tasks', arguments: { feature: '004', status: 'open' } });
      expect((list.structuredContent as { tasks: Array<{ id: string }> }).tasks.map((t) => t.id)).toEqual(['T005', 'T006', 'T008', 'T009', 'T010', 'T011', 'T011a', 'T012', 'T013']);
      const t9 = await client.callTool({ name: 'get_task', arguments: { feature: '004-review-loop', id: 'T009' } });
      expect(t9.structuredContent).toMatchObject({ id: 'T009', story: 'US1', dependsOn: [{ on: 'T005', kind: 'explicit' }, { on: 'T004', kind: 'phase' }, { on: 'T006', kind: 'phase' }] });
      const set = await client.callTool({ name: 'set_task_status', arguments: { feature: '004', id: 'T005', done: true } });
      expect(set.structuredContent).toMatchObject({ id: 'T005', done: true, changed: true, line: 33 });
      const after = await readFile(file, 'utf8');
      expect(after.length).toBe(before.length);
      expect(Array.from(before).filter((ch, i) => ch !== Array.from(after)[i])).toEqual([' ']);
      const note = await client.callTool({ name: 'append_task_note', arguments: { feature: '004', id: 'T005', note: 'done by agent-7' } });
      expect(note.structuredContent).toMatchObject({ notes: ['done by agent-7'] });
      expect(await readFile(file, 'utf8')).toBe(after.replace('- [X] T005 [P] Implement Gitea adapter in src/forge/gitea.ts\n', '- [X] T005 [P] Implement Gitea adapter in src/forge/gitea.ts\n  - done by agent-7\n'));
      await expectBadInputsRefused(client, SPECKIT_BAD_INPUTS);
      expect((await client.callTool({ name: 'list_features', arguments: {} })).structuredContent).toEqual({ features: [{ feature: '004-review-loop', docs: ['spec', 'tasks'], tasks: { total: 14, done: 6 } }] });
    } finally {
      await client.close();
      await writeFile(file, before);
    }
  });

  it('serves over streamable HTTP and refuses writes with --read-only', async () => {
    const server = await startHttp(['speckit', '--root', repo, '--read-only']);
    const client = await httpClient(server.url);
    try {
      const spec = await client.callTool({ name: 'read_feature_doc', arguments: { feature: '004', doc: 'spec' } });
      expect(spec.structuredContent).toMatchObject({ spec: { title: 'Review Loop', status: 'Draft', stories: [{ number: 1, priority: 'P1' }], requirements: [{ id: 'FR-001' }] } });
      const w = await client.callTool({ name: 'set_task_status', arguments: { feature: '004', id: 'T005', done: true } });
      expect(w.isError).toBe(true);
      expect(resultText(w)).toContain('--read-only');
    } finally {
      await client.close();
      await server.stop();
    }
  });
});

describe('an external client: @modelcontextprotocol/inspector-cli', () => {
  // inspector-cli 1.0.3 finds its own package.json through a path relative to the working folder
  // (`../package.json`), so it runs from a folder whose parent has one.
  const inspector = async (args: string[]) => {
    const cwd = join(dir, 'inspector', 'cwd');
    await mkdir(cwd, { recursive: true });
    await writeFile(join(dir, 'inspector', 'package.json'), '{}');
    const { stdout } = await exec(process.execPath, [INSPECTOR, ...args], { cwd, timeout: 60_000 });
    return JSON.parse(stdout) as { tools?: Array<{ name: string }>; structuredContent?: Record<string, unknown>; isError?: boolean };
  };

  it.each([
    { name: 'obsidian', flags: ['--vault', '<vault>'], tool: 'search', toolArgs: ['query=Note 00003'], key: 'hits' },
    { name: 'speckit', flags: ['--root', '<repo>'], tool: 'list_tasks', toolArgs: ['feature=004'], key: 'tasks' },
  ])('lists the tools of $name over stdio and calls one', async ({ name, flags, tool, toolArgs, key }) => {
    const args = flags.map((f) => f.replace('<vault>', vault).replace('<repo>', repo));
    const listed = await inspector([process.execPath, WEFT, 'mcp', name, ...args, '--method', 'tools/list']);
    expect(listed.tools?.map((t) => t.name)).toContain(tool);
    const called = await inspector([process.execPath, WEFT, 'mcp', name, ...args, '--method', 'tools/call', '--tool-name', tool, '--tool-arg', ...toolArgs]);
    expect(called.isError).toBeFalsy();
    expect(called.structuredContent?.[key]).toEqual(expect.any(Array));
  });

  it('calls a tool over streamable HTTP with the Authorization header', async () => {
    const server = await startHttp(['speckit', '--root', repo]);
    try {
      const called = await inspector([server.url, '--transport', 'http', '--header', `Authorization: Bearer ${TOKEN}`, '--method', 'tools/call', '--tool-name', 'get_task', '--tool-arg', 'feature=004', 'id=T001']);
      expect(called.structuredContent).toMatchObject({ id: 'T001', done: true });
    } finally {
      await server.stop();
    }
  });
});

describe('weft mcp flags', () => {
  it.each([
    ['a non-loopback --http host', ['mcp', 'speckit', '--http', '0.0.0.0:0'], { WEFT_MCP_TOKEN: TOKEN }, 'host 0.0.0.0 is not loopback'],
    ['--http without a token', ['mcp', 'speckit', '--http', '127.0.0.1:0'], { WEFT_MCP_TOKEN: '' }, 'needs a bearer token'],
    ['a bad --http value', ['mcp', 'speckit', '--http', 'localhost'], { WEFT_MCP_TOKEN: TOKEN }, 'expected HOST:PORT'],
    ['a missing vault', ['mcp', 'obsidian', '--vault', '/nonexistent/vault'], {}, 'not a folder'],
  ])('exits 2 for %s', async (_name, args, env, message) => {
    const { code, stderr } = await runWeft(args, env);
    expect(stderr).toContain(message);
    expect(code).toBe(2);
  });
});
