import { McpServer } from '@modelcontextprotocol/server';
import { ToolError } from '../errors.js';
import { ADDITIVE, IDEMPOTENT_WRITE, READ_ONLY, structured } from '../result.js';
import { normaliseVaultPath, resolveInVault, withNoteExtension } from './paths.js';
import { listQuerySets, runQuerySet } from './query-sets.js';
import { OBSIDIAN_SCHEMAS as S } from './schemas.js';
import type { VaultIndex } from './vault-index.js';
import { atomicWrite, checkWritable, patchUnderHeading, readExisting, updateFrontmatter, type WritePolicy } from './writes.js';

/** What the Obsidian tools work on. */
export interface VaultContext {
  readonly index: VaultIndex;
  readonly policy: WritePolicy;
  readonly version: string;
}

async function notePath(ctx: VaultContext, input: string): Promise<{ path: string; abs: string }> {
  const path = withNoteExtension(normaliseVaultPath(input));
  return { path, abs: await resolveInVault(ctx.index.root, path) };
}

function registerReads(server: McpServer, ctx: VaultContext): void {
  const { index } = ctx;
  server.registerTool('read_note', { title: 'Read a note', description: 'A note\'s content, frontmatter, tags, aliases and headings.', inputSchema: S.read_note.input, outputSchema: S.read_note.output, annotations: READ_ONLY }, async ({ path: p }) => {
    const { path, abs } = await notePath(ctx, p);
    await readExisting(abs, path);
    const f = index.get(path) ?? (await index.refresh(path), index.get(path));
    if (!f) throw new ToolError('path', `no note ${JSON.stringify(path)}`);
    return structured({ path, frontmatter: f.frontmatter, frontmatterError: f.frontmatterError ?? null, tags: [...f.tags], aliases: [...f.aliases], headings: [...f.headings], content: f.body }, f.body);
  });
  server.registerTool('list_notes', { title: 'List notes', description: 'Notes in path order, optionally in a folder (and its subfolders) or with a tag.', inputSchema: S.list_notes.input, outputSchema: S.list_notes.output, annotations: READ_ONLY }, ({ folder, tag, limit, offset }) => {
    const dir = folder === undefined ? '' : normaliseVaultPath(folder, 'folder');
    const t = tag?.replace(/^#/, '').toLowerCase();
    const all = index.all().filter((f) => f.ext === 'md' && (dir === '' || f.path.startsWith(`${dir}/`)) && (!t || f.tags.some((x) => x === t || x.startsWith(`${t}/`))));
    const notes = all.slice(offset, offset + limit).map((f) => ({ path: f.path, tags: [...f.tags], mtime: new Date(f.mtime).toISOString() }));
    return structured({ total: all.length, notes });
  });
  server.registerTool('search', { title: 'Full-text search', description: 'BM25 full-text search over note names, aliases, tags and text; all words must match, the last may be a prefix.', inputSchema: S.search.input, outputSchema: S.search.output, annotations: READ_ONLY }, ({ query, folder, limit }) =>
    structured(index.search(query, { limit, folder: folder === undefined ? undefined : normaliseVaultPath(folder, 'folder') })),
  );
  server.registerTool('list_tags', { title: 'List tags', description: 'Every tag (frontmatter and inline) with the number of notes that carry it.', inputSchema: S.list_tags.input, outputSchema: S.list_tags.output, annotations: READ_ONLY }, ({ prefix }) => {
    const counts = new Map<string, number>();
    for (const f of index.all()) for (const t of f.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    const p = prefix?.replace(/^#/, '').toLowerCase() ?? '';
    const tags = [...counts].filter(([t]) => t.startsWith(p)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([tag, count]) => ({ tag, count }));
    return structured({ tags });
  });
  server.registerTool('get_links', { title: 'Links and backlinks', description: "A note's [[wikilinks]] (resolved to vault paths by name, path or alias) and the notes linking to it.", inputSchema: S.get_links.input, outputSchema: S.get_links.output, annotations: READ_ONLY }, async ({ path: p }) => {
    const { path } = await notePath(ctx, p);
    const f = index.get(path);
    if (!f) throw new ToolError('path', `no note ${JSON.stringify(path)}`);
    const outgoing = f.links.map((l) => ({ target: l.target, resolved: index.resolveLink(l.target, path) ?? null, heading: l.heading ?? null, alias: l.alias ?? null, embed: l.embed, line: l.line }));
    return structured({ path, outgoing, backlinks: index.backlinks(path) });
  });
  server.registerTool('list_query_sets', { title: 'List query sets', description: 'Saved queries of the vault: Obsidian Bases (.base files, one query per view) and notes with ```query blocks.', inputSchema: S.list_query_sets.input, outputSchema: S.list_query_sets.output, annotations: READ_ONLY }, () =>
    structured({ querySets: listQuerySets(index).map((s) => ({ ...s, queries: s.queries.map((q) => (q.line === undefined ? { name: q.name } : { name: q.name, line: q.line })) })) }),
  );
  server.registerTool('run_query_set', { title: 'Run a query set', description: "Evaluates a query set without Obsidian: a base's filters (and/or/not, file.hasTag, file.inFolder, property comparisons), sort, order and limit per view; or a note's query blocks (Obsidian search syntax).", inputSchema: S.run_query_set.input, outputSchema: S.run_query_set.output, annotations: READ_ONLY }, ({ name, query, limit }) => {
    const { set, results } = runQuerySet(index, name, { query, limit });
    return structured({ name: set.name, path: set.path, kind: set.kind, results: results.map((r) => ({ ...r, rows: [...r.rows] })) });
  });
}

async function writeNote(ctx: VaultContext, p: string, edit: (old: string | undefined, path: string) => string, mustExist: boolean): Promise<{ path: string; text: string }> {
  const { path, abs } = await notePath(ctx, p);
  checkWritable(ctx.policy, path);
  if (!path.endsWith('.md')) throw new ToolError('path', `only Markdown notes (.md) can be written, not ${JSON.stringify(path)}`);
  const old = mustExist ? await readExisting(abs, path) : undefined;
  const text = edit(old, path);
  await atomicWrite(abs, text);
  await ctx.index.refresh(path);
  return { path, text };
}

function registerWrites(server: McpServer, ctx: VaultContext): void {
  server.registerTool('create_note', { title: 'Create a note', description: 'Creates a new note (never overwrites). Needs --allow-write covering the folder.', inputSchema: S.create_note.input, outputSchema: S.create_note.output, annotations: ADDITIVE }, async ({ path: p, content, frontmatter }) => {
    const { path, text } = await writeNote(ctx, p, (_old, path) => {
      if (ctx.index.get(path)) throw new ToolError('path', `note ${JSON.stringify(path)} already exists; use append_note or patch_note`);
      return frontmatter ? updateFrontmatter(content, frontmatter, []) : content;
    }, false);
    return structured({ path, created: true, bytes: Buffer.byteLength(text) });
  });
  server.registerTool('append_note', { title: 'Append to a note', description: 'Adds text at the end of an existing note. Needs --allow-write.', inputSchema: S.append_note.input, outputSchema: S.append_note.output, annotations: ADDITIVE }, async ({ path: p, content }) => {
    const { path, text } = await writeNote(ctx, p, (old = '') => `${old}${old === '' || old.endsWith('\n') ? '' : '\n'}${content}`, true);
    return structured({ path, bytes: Buffer.byteLength(text) });
  });
  server.registerTool('patch_note', { title: 'Patch under a heading', description: 'Appends, prepends or replaces the section under a heading; the rest of the note is unchanged. Needs --allow-write.', inputSchema: S.patch_note.input, outputSchema: S.patch_note.output, annotations: IDEMPOTENT_WRITE }, async ({ path: p, heading, content, mode }) => {
    const { path, text } = await writeNote(ctx, p, (old = '') => patchUnderHeading(old, heading, content, mode), true);
    return structured({ path, bytes: Buffer.byteLength(text) });
  });
  server.registerTool('update_frontmatter', { title: 'Update frontmatter', description: 'Sets and removes frontmatter properties, keeping the others and the body. Needs --allow-write.', inputSchema: S.update_frontmatter.input, outputSchema: S.update_frontmatter.output, annotations: IDEMPOTENT_WRITE }, async ({ path: p, set, unset }) => {
    const { path } = await writeNote(ctx, p, (old = '') => updateFrontmatter(old, set, unset), true);
    return structured({ path, frontmatter: ctx.index.get(path)?.frontmatter ?? {} });
  });
}

/** A protocol instance with every Obsidian tool, over the shared vault index. */
export function buildObsidianServer(ctx: VaultContext): McpServer {
  const server = new McpServer({ name: 'weft-obsidian', version: ctx.version }, { instructions: `Headless Obsidian vault (${ctx.index.size} files). Writes ${ctx.policy.enabled ? `allowed${ctx.policy.folders.length ? ` in ${ctx.policy.folders.join(', ')}` : ''}` : 'disabled'}.` });
  registerReads(server, ctx);
  registerWrites(server, ctx);
  return server;
}
