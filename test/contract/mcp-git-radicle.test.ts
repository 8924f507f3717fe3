import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { LocalRadicle } from '../../src/forge/local/radicle.js';
import { requireBuild, resultText, stdioClient } from './mcp-helpers.js';

// `weft mcp git --forge radicle` over stdio with real rad and git-remote-rad (built by
// `hack/build-tools.sh rad`): open_change opens a Radicle patch, idempotent by branch. No node runs:
// the CLI writes patches and comments to the identity's storage.
const PREFIX = 'weft/task-r';
let rad: LocalRadicle;
let rid: string;
let workdir: string;
let dir: string;
let passFile: string;

async function call<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name} failed: ${resultText(r)}`);
  expect(resultText(r)).not.toContain(rad.passphrase);
  return r.structuredContent as T;
}

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'weft-mcp-rad-'));
  rad = await LocalRadicle.start({ seed: 'b2'.repeat(32) });
  ({ rid, workdir } = await rad.createRepo('agent-work'));
  passFile = join(dir, 'passphrase');
  await writeFile(passFile, `${rad.passphrase}\n`);
}, 120_000);

afterAll(async () => {
  await rad?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('weft mcp git against Radicle', () => {
  it('opens a patch for a pushed branch, once, and answers its comments', async () => {
    const { client, stderr } = await stdioClient(['git', '--forge', 'radicle', '--rad-home', rad.radHome, '--forge-token-file', passFile, '--repo', rid, '--branch-prefix', PREFIX, '--workspace', workdir]);
    try {
      const branch = `${PREFIX}/feature`;
      await call(client, 'create_branch', { branch, from: 'main' });
      await mkdir(join(workdir, 'src'), { recursive: true });
      await writeFile(join(workdir, 'src/a.ts'), 'export const a = 1;\n');
      const { sha } = await call<{ sha: string }>(client, 'commit', { paths: ['src/a.ts'], message: 'Add a' });
      expect(await call(client, 'push', {})).toMatchObject({ branch, sha, result: 'created', remote: `${rid.replace(/^rad:/, 'rad://')}/${rad.nid}` });
      const opened = await call<{ id: string; created: boolean; headSha: string }>(client, 'open_change', { title: 'Add a', body: 'From the agent' });
      expect(opened).toMatchObject({ created: true, branch, state: 'open', headSha: sha });
      expect(opened.id).toMatch(/^[0-9a-f]{40}$/);
      expect(await call(client, 'open_change', { title: 'Add a' })).toMatchObject({ created: false, id: opened.id });

      // A comment on the patch (as the same identity: one is enough for the thread shape), then a reply.
      await rad.rad(['patch', 'comment', opened.id, '--repo', rid, '--no-announce', '--message', 'Please add a test']);
      const { threads } = await call<{ threads: Array<{ id: string; comments: Array<{ body: string }> }> }>(client, 'list_review_comments', { change: opened.id });
      const thread = threads.find((t) => t.comments.some((c) => c.body === 'Please add a test'));
      expect(thread).toBeDefined();
      await call(client, 'reply', { change: opened.id, thread: thread!.id, body: 'Added' });
      const after = await call<{ threads: Array<{ comments: Array<{ body: string }> }> }>(client, 'list_review_comments', { change: opened.id });
      expect(after.threads.flatMap((t) => t.comments.map((c) => c.body))).toEqual(expect.arrayContaining(['Please add a test', 'Added']));
      expect(await call(client, 'change_status', { change: opened.id })).toMatchObject({ id: opened.id, state: 'open', branch, checks: [] });

      const refused = await client.callTool({ name: 'push', arguments: { branch: 'main' } });
      expect(resultText(refused)).toContain('branch: "main" is a default branch');
    } finally {
      await client.close();
      expect(stderr()).not.toContain(rad.passphrase);
    }
  }, 120_000);
});
