import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { generateVault } from '../../../bench/mcp-vault.js';
import { eventually } from '../../../test/harness/eventually.js';
import { buildObsidianServer } from './tools.js';
import { VaultIndex } from './vault-index.js';
import { writePolicyOf, type WritePolicy } from './writes.js';

interface Result {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
}

let root: string;
let outside: string;
let index: VaultIndex;

async function connect(policy: WritePolicy): Promise<Client> {
  const [ct, st] = InMemoryTransport.createLinkedPair();
  await buildObsidianServer({ index, policy, version: 'test' }).connect(st);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(ct);
  return client;
}

const call = async (c: Client, name: string, args: Record<string, unknown>) => (await c.callTool({ name, arguments: args })) as Result;
const text = (r: Result) => r.content.map((x) => x.text ?? '').join('\n');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'weft-vault-'));
  outside = await mkdtemp(join(tmpdir(), 'weft-outside-'));
  await generateVault(root, 300);
  await writeFile(join(outside, 'secret.md'), 'top secret\n');
  await mkdir(join(root, 'Links'));
  await symlink(outside, join(root, 'Links/out'));
  await symlink(join(outside, 'secret.md'), join(root, 'Links/secret.md'));
  await writeFile(join(root, 'Hub.md'), '---\naliases: [Central]\ntags: hub\n---\n# Hub\nSee [[Note 00001]], [[Projects/Note 00000|the first]] and [[Missing]].\n\n## Plan\n- step one\n\n## Log\nstarted\n');
  index = await VaultIndex.open(root, { watch: true });
});

afterAll(async () => {
  index.close();
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('obsidian tools (read)', () => {
  let c: Client;
  beforeAll(async () => (c = await connect(writePolicyOf(undefined))));

  it('lists every tool with annotations and output schemas', async () => {
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['append_note', 'create_note', 'get_links', 'list_notes', 'list_query_sets', 'list_tags', 'patch_note', 'read_note', 'run_query_set', 'search', 'update_frontmatter'].sort());
    for (const t of tools) expect(t.outputSchema).toBeDefined();
    expect(tools.find((t) => t.name === 'search')?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(tools.find((t) => t.name === 'patch_note')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
  });

  it('indexes the notes and skips .obsidian/', async () => {
    const r = await call(c, 'list_notes', { limit: 1000 });
    expect(r.structuredContent?.total).toBe(302);
    expect(JSON.stringify(r.structuredContent)).not.toContain('.obsidian');
  });

  it('reads a note with frontmatter, tags and headings', async () => {
    const r = await call(c, 'read_note', { path: 'Hub' });
    expect(r.structuredContent).toMatchObject({ path: 'Hub.md', frontmatter: { aliases: ['Central'], tags: 'hub' }, tags: ['hub'], aliases: ['Central'] });
    expect((r.structuredContent?.headings as unknown[]).length).toBe(3);
  });

  it('searches with BM25 and filters by folder', async () => {
    const r = await call(c, 'search', { query: 'Note 00042', limit: 5 });
    expect((r.structuredContent?.hits as Array<{ path: string }>)[0]?.path).toBe('Projects/Note 00042.md');
    const f = await call(c, 'search', { query: 'scheduler', folder: 'Daily', limit: 200 });
    const hits = f.structuredContent?.hits as Array<{ path: string }>;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.path.startsWith('Daily/'))).toBe(true);
  });

  it('resolves links by path, name and alias, and finds backlinks', async () => {
    const r = await call(c, 'get_links', { path: 'Hub.md' });
    const out = r.structuredContent?.outgoing as Array<{ target: string; resolved: string | null; alias: string | null }>;
    expect(out.map((l) => l.resolved)).toEqual(['Areas/Research/Note 00001.md', 'Projects/Note 00000.md', null]);
    expect(out[1]?.alias).toBe('the first');
    await writeFile(join(root, 'Inbox/Points to hub.md'), 'see [[Central]]\n');
    await eventually(async () => {
      const b = await call(c, 'get_links', { path: 'Hub' });
      expect(b.structuredContent?.backlinks).toEqual([{ source: 'Inbox/Points to hub.md', line: 1 }]);
    }, { timeoutMs: 10_000, description: 'the watcher indexes a new note' });
  });

  it('counts tags', async () => {
    const r = await call(c, 'list_tags', { prefix: 'proj' });
    expect(r.structuredContent?.tags).toEqual([{ tag: 'project', count: 100 }]);
  });

  it('lists and runs query sets: a .base with and/or/not, hasTag, inFolder, sort, order, limit', async () => {
    const sets = (await call(c, 'list_query_sets', {})).structuredContent?.querySets as Array<{ name: string }>;
    expect(sets.map((s) => s.name)).toEqual(['Queries/Projects', 'Queries/Saved searches']);
    const r = await call(c, 'run_query_set', { name: 'Queries/Projects' });
    const [active, done] = r.structuredContent?.results as Array<{ query: string; total: number; rows: Array<{ path: string; values: Record<string, unknown> }> }>;
    // project = every 3rd note; Inbox (i % 6 == 4) never has i % 3 == 0; active/blocked = i % 4 in {0, 2}
    const expected = Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3 === 0 && i % 2 === 0);
    expect(active?.total).toBe(expected.length);
    expect(active?.rows.length).toBe(25);
    expect(active?.rows.map((x) => x.values.priority)).toEqual([...(active?.rows.map((x) => x.values.priority) ?? [])].sort((a, b) => Number(b) - Number(a)));
    expect(Object.keys(active?.rows[0]?.values ?? {})).toEqual(['file.name', 'status', 'priority', 'formula.urgent']);
    expect(active?.rows[0]?.values['formula.urgent']).toBe(true);
    expect(done?.rows.every((x) => x.path.startsWith('Projects/') && x.values.created !== undefined)).toBe(true);
    expect(done?.total).toBe(Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 6 === 0 && i % 4 === 1).length);
  });

  it('runs query blocks (Obsidian search syntax)', async () => {
    const r = await call(c, 'run_query_set', { name: 'Queries/Saved searches', query: 'Review queue' });
    const [review] = r.structuredContent?.results as Array<{ total: number; rows: Array<{ path: string }> }>;
    expect(review?.total).toBeGreaterThan(0);
    // frontmatter tag review on every 10th note (status never done there), plus inline #review ones
    expect(review?.total).toBeGreaterThanOrEqual(30);
    for (const row of review?.rows ?? []) {
      const note = (await call(c, 'read_note', { path: row.path })).structuredContent;
      expect(note?.tags).toContain('review');
      expect(note?.frontmatter).not.toMatchObject({ status: 'done' });
    }
  });
});

describe('obsidian tools (writes and refusals)', () => {
  it('refuses every write without --allow-write', async () => {
    const c = await connect(writePolicyOf(undefined));
    for (const [tool, args] of [['create_note', { path: 'New.md', content: 'x' }], ['append_note', { path: 'Hub', content: 'x' }], ['patch_note', { path: 'Hub', heading: 'Plan', content: 'x' }], ['update_frontmatter', { path: 'Hub', set: { a: 1 } }]] as const) {
      const r = await call(c, tool, args);
      expect(r.isError).toBe(true);
      expect(text(r)).toContain('path: cannot write');
      expect(text(r)).toContain('--allow-write');
    }
  });

  it('writes only in the allowed folders, and keeps the index current', async () => {
    const c = await connect(writePolicyOf('Inbox,Daily'));
    const denied = await call(c, 'create_note', { path: 'Projects/X.md', content: 'x' });
    expect(text(denied)).toContain('writable folders are Inbox, Daily');
    const created = await call(c, 'create_note', { path: 'Inbox/Fresh idea', content: '# Fresh\nquasar\n\n## Todo\n- a\n\n## End\n', frontmatter: { tags: ['idea'] } });
    expect(created.structuredContent).toMatchObject({ path: 'Inbox/Fresh idea.md', created: true });
    expect((await call(c, 'search', { query: 'quasar' })).structuredContent?.total).toBe(1);
    expect(text(await call(c, 'create_note', { path: 'Inbox/Fresh idea.md', content: 'y' }))).toContain('already exists');
    await call(c, 'patch_note', { path: 'Inbox/Fresh idea.md', heading: '## Todo', content: '- b' });
    await call(c, 'append_note', { path: 'Inbox/Fresh idea.md', content: 'tail' });
    await call(c, 'update_frontmatter', { path: 'Inbox/Fresh idea.md', set: { status: 'done' }, unset: ['tags'] });
    expect(await readFile(join(root, 'Inbox/Fresh idea.md'), 'utf8')).toBe('---\nstatus: done\n---\n# Fresh\nquasar\n\n## Todo\n- a\n- b\n\n## End\ntail');
    const r = await call(c, 'read_note', { path: 'Inbox/Fresh idea' });
    expect(r.structuredContent?.frontmatter).toEqual({ status: 'done' });
  });

  it.each([
    ['parent traversal', { path: '../outside.md' }, 'climbs out of the vault'],
    ['nested traversal', { path: 'Projects/../../x.md' }, 'climbs out of the vault'],
    ['absolute path', { path: '/etc/passwd' }, 'is absolute'],
    ['Windows path', { path: 'C:\\Windows\\x.md' }, 'is absolute'],
    ['.obsidian', { path: '.obsidian/app.json' }, 'inside .obsidian/'],
    ['.obsidian via ./', { path: './.obsidian/app' }, 'inside .obsidian/'],
    ['symlinked file', { path: 'Links/secret.md' }, 'outside the vault'],
    ['symlinked folder', { path: 'Links/out/secret.md' }, 'outside the vault'],
  ])('refuses %s', async (_name, args, message) => {
    const c = await connect(writePolicyOf(true));
    for (const [tool, extra] of [['read_note', {}], ['get_links', {}], ['append_note', { content: 'x' }], ['create_note', { content: 'x' }]] as const) {
      const r = await call(c, tool, { ...args, ...extra });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(new RegExp(`^path: .*${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
    expect(await readFile(join(outside, 'secret.md'), 'utf8')).toBe('top secret\n');
  });
});
