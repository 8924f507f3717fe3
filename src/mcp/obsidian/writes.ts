import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Document, parseDocument } from 'yaml';
import { PermissionError, ToolError } from '../errors.js';

/** Which vault folders the server may write: none, all, or a list (`--allow-write inbox,projects`). */
export interface WritePolicy {
  readonly enabled: boolean;
  /** folders (vault-relative, no trailing slash); empty means the whole vault */
  readonly folders: readonly string[];
}

/** Reads `--allow-write` as commander gives it: absent, `true`, or a comma-separated folder list. */
export function writePolicyOf(flag: boolean | string | undefined): WritePolicy {
  if (flag === undefined || flag === false) return { enabled: false, folders: [] };
  if (flag === true) return { enabled: true, folders: [] };
  return { enabled: true, folders: flag.split(',').map((f) => f.trim().replace(/^\/+|\/+$/g, '')).filter(Boolean) };
}

/** @throws PermissionError unless the policy lets the server write `path` */
export function checkWritable(policy: WritePolicy, path: string): void {
  if (!policy.enabled) throw new PermissionError('path', `cannot write ${JSON.stringify(path)}: writes are disabled; start the server with --allow-write (whole vault) or --allow-write FOLDER[,FOLDER]`);
  if (policy.folders.length > 0 && !policy.folders.some((f) => path.startsWith(`${f}/`))) {
    throw new PermissionError('path', `cannot write ${JSON.stringify(path)}: writable folders are ${policy.folders.join(', ')}`);
  }
}

/** Writes a file through a temporary name and a rename, so readers never see half a note. */
export async function atomicWrite(abs: string, text: string): Promise<void> {
  await mkdir(dirname(abs), { recursive: true });
  const tmp = `${abs}.weft-${process.pid}-${Date.now()}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, abs);
}

/** Reads a note that must exist. @throws ToolError naming the path */
export async function readExisting(abs: string, path: string): Promise<string> {
  try {
    return await readFile(abs, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ToolError('path', `no note ${JSON.stringify(path)}`);
    throw err;
  }
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

/** How new content goes into a heading's section. */
export type PatchMode = 'append' | 'prepend' | 'replace';

/**
 * Puts `content` into the section under a heading (up to the next heading of the same or a higher
 * level). `heading` is the heading text, optionally with its `#`s (`## Tasks`). Other bytes stay.
 *
 * @throws ToolError naming the heading and the headings the note has
 */
export function patchUnderHeading(text: string, heading: string, content: string, mode: PatchMode): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const { at, end } = sectionOf(lines, heading);
  const added = content.replace(/\r?\n/g, eol).split(eol);
  const section = lines.slice(at + 1, end);
  const next = mode === 'replace' ? added : mode === 'prepend' ? [...added, ...section] : [...section, ...added];
  return [...lines.slice(0, at + 1), ...next, ...lines.slice(end)].join(eol);
}

/** The heading's line and the end (exclusive, before trailing blank lines) of its section. */
function sectionOf(lines: readonly string[], heading: string): { at: number; end: number } {
  const want = HEADING.exec(heading.trim());
  const wantText = (want?.[2] ?? heading).trim().toLowerCase();
  const wantLevel = want?.[1]?.length;
  const at = lines.findIndex((l) => {
    const m = HEADING.exec(l);
    return m && m[2]?.trim().toLowerCase() === wantText && (wantLevel === undefined || m[1]?.length === wantLevel);
  });
  if (at === -1) {
    const have = lines.map((l) => HEADING.exec(l)?.[2]).filter(Boolean);
    throw new ToolError('heading', `no heading ${JSON.stringify(heading)} (headings: ${have.join(', ') || 'none'})`);
  }
  const level = HEADING.exec(lines[at] as string)?.[1]?.length ?? 1;
  let end = lines.findIndex((l, i) => i > at && (HEADING.exec(l)?.[1]?.length ?? 7) <= level);
  if (end === -1) end = lines.length;
  while (end - 1 > at && lines[end - 1]?.trim() === '') end--;
  return { at, end };
}

const FM = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(\r?\n|$)/;

/**
 * Sets and removes frontmatter keys, keeping the other keys, their comments and order, and the body.
 * A note without frontmatter gets one.
 */
export function updateFrontmatter(text: string, set: Record<string, unknown>, unset: readonly string[]): string {
  const m = FM.exec(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const doc = m?.[1]?.trim() ? parseDocument(m[1]) : new Document({});
  if (doc.errors.length > 0) throw new ToolError('path', `the note's frontmatter is not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`);
  for (const [k, v] of Object.entries(set)) doc.set(k, v);
  for (const k of unset) doc.delete(k);
  const yaml = doc.toString({ lineWidth: 0 }).replace(/\n$/, '').replace(/\n/g, eol);
  const body = m ? text.slice(m[0].length) : text;
  return `---${eol}${yaml === '{}' ? '' : yaml}${eol}---${eol}${body}`;
}
