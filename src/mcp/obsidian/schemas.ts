import { z } from 'zod';

/** A vault-relative note path argument. */
export const NotePath = z.string().min(1).max(1024).describe('vault-relative path, e.g. "Projects/Alpha.md" (".md" may be left out)');
const Folder = z.string().max(1024).describe('vault-relative folder, e.g. "Projects"');
const Limit = (max: number, def: number) => z.number().int().min(1).max(max).default(def);

const LinkOut = z.object({ target: z.string(), resolved: z.string().nullable(), heading: z.string().nullable(), alias: z.string().nullable(), embed: z.boolean(), line: z.number() });
const Backlink = z.object({ source: z.string(), line: z.number() });
const Row = z.object({ path: z.string(), values: z.record(z.string(), z.unknown()) });

/** Input and output schemas of the Obsidian tools, one entry per tool. */
export const OBSIDIAN_SCHEMAS = {
  read_note: {
    input: z.object({ path: NotePath }).strict(),
    output: z.object({
      path: z.string(),
      frontmatter: z.record(z.string(), z.unknown()),
      frontmatterError: z.string().nullable(),
      tags: z.array(z.string()),
      aliases: z.array(z.string()),
      headings: z.array(z.object({ level: z.number(), text: z.string(), line: z.number() })),
      content: z.string(),
    }),
  },
  list_notes: {
    input: z.object({ folder: Folder.optional(), tag: z.string().min(1).max(200).optional(), limit: Limit(1000, 100), offset: z.number().int().min(0).default(0) }).strict(),
    output: z.object({ total: z.number(), notes: z.array(z.object({ path: z.string(), tags: z.array(z.string()), mtime: z.string() })) }),
  },
  search: {
    input: z.object({ query: z.string().min(1).max(1000), folder: Folder.optional(), limit: Limit(200, 20) }).strict(),
    output: z.object({ total: z.number(), hits: z.array(z.object({ path: z.string(), score: z.number(), snippet: z.string() })) }),
  },
  list_tags: {
    input: z.object({ prefix: z.string().max(200).optional() }).strict(),
    output: z.object({ tags: z.array(z.object({ tag: z.string(), count: z.number() })) }),
  },
  get_links: {
    input: z.object({ path: NotePath }).strict(),
    output: z.object({ path: z.string(), outgoing: z.array(LinkOut), backlinks: z.array(Backlink) }),
  },
  list_query_sets: {
    input: z.object({}).strict(),
    output: z.object({
      querySets: z.array(z.object({ name: z.string(), path: z.string(), kind: z.enum(['base', 'note']), queries: z.array(z.object({ name: z.string(), line: z.number().optional() })) })),
    }),
  },
  run_query_set: {
    input: z.object({ name: z.string().min(1).max(1024).describe('query set name from list_query_sets'), query: z.string().min(1).max(500).optional().describe('run only this view or query block'), limit: Limit(1000, 50) }).strict(),
    output: z.object({ name: z.string(), path: z.string(), kind: z.enum(['base', 'note']), results: z.array(z.object({ query: z.string(), total: z.number(), rows: z.array(Row) })) }),
  },
  create_note: {
    input: z.object({ path: NotePath, content: z.string().max(1_000_000), frontmatter: z.record(z.string(), z.unknown()).optional() }).strict(),
    output: z.object({ path: z.string(), created: z.boolean(), bytes: z.number() }),
  },
  append_note: {
    input: z.object({ path: NotePath, content: z.string().min(1).max(1_000_000) }).strict(),
    output: z.object({ path: z.string(), bytes: z.number() }),
  },
  patch_note: {
    input: z.object({ path: NotePath, heading: z.string().min(1).max(500).describe('heading text, optionally with its #s: "## Tasks"'), content: z.string().max(1_000_000), mode: z.enum(['append', 'prepend', 'replace']).default('append') }).strict(),
    output: z.object({ path: z.string(), bytes: z.number() }),
  },
  update_frontmatter: {
    input: z
      .object({ path: NotePath, set: z.record(z.string().min(1), z.unknown()).default({}), unset: z.array(z.string().min(1)).max(100).default([]) })
      .strict()
      .refine((v) => Object.keys(v.set).length + v.unset.length > 0, { message: 'give at least one key in set or unset', path: ['set'] }),
    output: z.object({ path: z.string(), frontmatter: z.record(z.string(), z.unknown()) }),
  },
} as const;
