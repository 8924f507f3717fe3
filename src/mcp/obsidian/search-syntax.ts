import { equal } from './expr-values.js';
import type { VaultFile } from './records.js';

/** An Obsidian search query (the language of ```` ```query ```` blocks) that does not parse. */
export class SearchSyntaxError extends Error {
  override readonly name = 'SearchSyntaxError';
}

type Node =
  | { kind: 'and' | 'or'; items: Node[] }
  | { kind: 'not'; item: Node }
  | { kind: 'term'; op: string | undefined; value: string }
  | { kind: 'prop'; name: string; value: string | undefined };

const TOKEN = /\s*(?:(-)?(?:(\()|(\))|\[([^\]:]+)(?::([^\]]*))?\]|(?:(\w+):)?(?:"([^"]*)"|([^\s()"]+))))/y;

interface Tok {
  neg: boolean;
  open?: boolean;
  close?: boolean;
  node?: Node;
  or?: boolean;
}

function tokens(q: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  // Bounded: every match consumes at least one character, and the loop stops at the end or a miss.
  while (TOKEN.lastIndex < q.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(q);
    if (!m) {
      if (q.slice(at).trim() === '') break;
      throw new SearchSyntaxError(`cannot read the query at column ${at + 1}: ${JSON.stringify(q.slice(at, at + 20))}`);
    }
    const neg = m[1] === '-';
    if (m[2]) out.push({ neg, open: true });
    else if (m[3]) out.push({ neg, close: true });
    else if (m[4]) out.push({ neg, node: { kind: 'prop', name: m[4].trim(), value: m[5]?.trim().replace(/^"|"$/g, '') } });
    else if (!neg && !m[6] && m[8] === 'OR') out.push({ neg, or: true });
    else out.push({ neg, node: { kind: 'term', op: m[6]?.toLowerCase(), value: m[7] ?? m[8] ?? '' } });
  }
  return out;
}

function group(toks: Tok[], pos: { i: number }, depth: number): Node {
  const ors: Node[][] = [[]];
  for (; pos.i < toks.length; pos.i++) {
    const t = toks[pos.i] as Tok;
    if (t.close) {
      if (depth === 0) throw new SearchSyntaxError('unbalanced ")"');
      break;
    }
    if (t.or) {
      ors.push([]);
      continue;
    }
    let node = t.node;
    if (t.open) {
      pos.i++;
      node = group(toks, pos, depth + 1);
      if (!toks[pos.i]?.close) throw new SearchSyntaxError('missing ")"');
    }
    if (node) ors[ors.length - 1]?.push(t.neg ? { kind: 'not', item: node } : node);
  }
  const ands = ors.map((items): Node => (items.length === 1 ? (items[0] as Node) : { kind: 'and', items }));
  return ands.length === 1 ? (ands[0] as Node) : { kind: 'or', items: ands };
}

/**
 * Parses Obsidian's search syntax: words and `"phrases"` (AND), `OR`, `-negation`, parentheses,
 * `tag:#x`, `path:`, `file:`, `content:`, `[property]` and `[property:value]`.
 *
 * @throws SearchSyntaxError for unbalanced parentheses or unreadable input
 */
export function parseSearch(query: string): Node {
  const toks = tokens(query);
  if (toks.length === 0) throw new SearchSyntaxError('empty query');
  return group(toks, { i: 0 }, 0);
}

function term(f: VaultFile, op: string | undefined, value: string): boolean {
  const v = value.toLowerCase();
  switch (op) {
    case 'tag': {
      const t = v.replace(/^#/, '');
      return f.tags.some((have) => have === t || have.startsWith(`${t}/`));
    }
    case 'path':
      return f.path.toLowerCase().includes(v);
    case 'file':
      return `${f.name}.${f.ext}`.toLowerCase().includes(v);
    case 'content':
      return f.body.toLowerCase().includes(v);
    case undefined:
      return f.body.toLowerCase().includes(v) || f.name.toLowerCase().includes(v);
    default:
      throw new SearchSyntaxError(`unknown search operator ${op}: (operators: tag, path, file, content, [property])`);
  }
}

/** Whether a file matches a parsed search query. */
export function matchesSearch(node: Node, f: VaultFile): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => matchesSearch(n, f));
    case 'or':
      return node.items.some((n) => matchesSearch(n, f));
    case 'not':
      return !matchesSearch(node.item, f);
    case 'prop': {
      const key = Object.keys(f.frontmatter).find((k) => k.toLowerCase() === node.name.toLowerCase());
      if (key === undefined) return false;
      return node.value === undefined || equal(f.frontmatter[key], node.value) || String(f.frontmatter[key]).toLowerCase().includes(node.value.toLowerCase());
    }
    case 'term':
      return term(f, node.op, node.value);
  }
}
