import { parse as parseYaml } from 'yaml';

/** A `[[target#heading|alias]]` link (or `![[embed]]`) in a note. */
export interface WikiLink {
  /** the link target as written, without heading or alias (`Projects/Alpha`) */
  readonly target: string;
  readonly heading: string | undefined;
  readonly alias: string | undefined;
  readonly embed: boolean;
  readonly line: number;
}

/** A fenced ```` ```query ```` block (Obsidian's embedded search) under its nearest heading. */
export interface QueryBlock {
  readonly name: string;
  readonly query: string;
  readonly line: number;
}

/** A note's heading. */
export interface Heading {
  readonly level: number;
  readonly text: string;
  readonly line: number;
}

/** What the index keeps of a Markdown note. */
export interface ParsedNote {
  readonly frontmatter: Record<string, unknown>;
  /** the frontmatter did not parse as YAML: the message, and the note is indexed without it */
  readonly frontmatterError: string | undefined;
  readonly body: string;
  /** tags without `#`, from frontmatter `tags`/`tag` and inline `#tags`, lower-cased, unique */
  readonly tags: readonly string[];
  readonly aliases: readonly string[];
  readonly links: readonly WikiLink[];
  readonly headings: readonly Heading[];
  readonly queries: readonly QueryBlock[];
}

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;
const LINK = /(!?)\[\[([^\]|#^\n]*)(?:#([^\]|\n]*))?(?:\|([^\]\n]*))?\]\]/g;
const TAG = /(?:^|[\s(,])#([\p{L}\p{N}_/-]*[\p{L}_/-][\p{L}\p{N}_/-]*)/gu;
const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

function asList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(String);
  if (typeof v === 'string') return v.split(/[,\s]+/).filter(Boolean);
  return [];
}

/** Splits YAML frontmatter from the body; a frontmatter that is not a YAML map is reported, not thrown. */
export function splitFrontmatter(text: string): { data: Record<string, unknown>; body: string; raw: string | undefined; error: string | undefined } {
  const m = FRONTMATTER.exec(text);
  if (!m) return { data: {}, body: text, raw: undefined, error: undefined };
  const body = text.slice(m[0].length);
  try {
    const data: unknown = parseYaml(m[1] ?? '', { uniqueKeys: false });
    if (data === null || data === undefined) return { data: {}, body, raw: m[1], error: undefined };
    if (typeof data !== 'object' || Array.isArray(data)) return { data: {}, body, raw: m[1], error: 'frontmatter is not a YAML map' };
    return { data: data as Record<string, unknown>, body, raw: m[1], error: undefined };
  } catch (err) {
    return { data: {}, body, raw: m[1], error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}

interface Scan {
  links: WikiLink[];
  headings: Heading[];
  queries: QueryBlock[];
  tags: Set<string>;
}

function linkOf(m: RegExpExecArray | RegExpMatchArray, line: number): WikiLink | undefined {
  const [, bang, target = '', heading, alias] = m;
  if (!target.trim() && !heading) return undefined;
  return { target: target.trim(), heading: heading?.trim() || undefined, alias: alias?.trim() || undefined, embed: bang === '!', line };
}

function scanLine(line: string, n: number, s: Scan): void {
  const h = HEADING.exec(line);
  if (h) s.headings.push({ level: (h[1] ?? '').length, text: h[2] ?? '', line: n });
  if (line.includes('[[')) {
    for (const m of line.matchAll(LINK)) {
      const link = linkOf(m, n);
      if (link) s.links.push(link);
    }
  }
  if (!h && line.includes('#')) for (const m of line.matchAll(TAG)) s.tags.add((m[1] ?? '').toLowerCase());
}

/**
 * Reads a note the way Obsidian's metadata cache does, headlessly: frontmatter (YAML), tags
 * (frontmatter and inline, not in code), aliases, headings, `[[wikilinks]]` and `![[embeds]]`,
 * and fenced `query` blocks.
 */
export function parseNote(text: string): ParsedNote {
  const fm = splitFrontmatter(text);
  const offset = fm.raw === undefined ? 0 : text.slice(0, text.length - fm.body.length).split('\n').length - 1;
  const s: Scan = { links: [], headings: [], queries: [], tags: new Set(asList(fm.data.tags ?? fm.data.tag).map((t) => t.replace(/^#/, '').toLowerCase())) };
  const lines = fm.body.split(/\r?\n/);
  let fence: { marker: string; lang: string; start: number; body: string[] } | undefined;
  lines.forEach((line, i) => {
    const n = i + 1 + offset;
    const f = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (fence) {
      if (f && f[1]?.startsWith(fence.marker)) {
        if (fence.lang === 'query') s.queries.push({ name: s.headings.at(-1)?.text ?? `query ${s.queries.length + 1}`, query: fence.body.join('\n').trim(), line: fence.start });
        fence = undefined;
      } else fence.body.push(line);
      return;
    }
    if (f) fence = { marker: f[1] ?? '```', lang: (f[2] ?? '').toLowerCase(), start: n, body: [] };
    else scanLine(line.replace(/`[^`]*`/g, ''), n, s);
  });
  return {
    frontmatter: fm.data,
    frontmatterError: fm.error,
    body: fm.body,
    tags: [...s.tags].filter(Boolean),
    aliases: typeof (fm.data.aliases ?? fm.data.alias) === 'string' ? [String(fm.data.aliases ?? fm.data.alias)] : asList(fm.data.aliases ?? fm.data.alias),
    links: s.links,
    headings: s.headings,
    queries: s.queries,
  };
}
