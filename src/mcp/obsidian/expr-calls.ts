import { ExprError, type Expr } from './expr-parse.js';
import { DAY, FileRef, equal, isDateString, truthy, type EvalContext } from './expr-values.js';

type Evaluate = (e: Expr, ctx: EvalContext, src: string) => unknown;
type Method = (self: unknown, args: unknown[]) => unknown;

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const lowerIncludes = (hay: unknown, needle: unknown) =>
  Array.isArray(hay) ? hay.some((h) => equal(h, needle)) : str(hay).toLowerCase().includes(str(needle).toLowerCase());

/** Methods on strings, lists and numbers, as Bases names them. */
const VALUE_METHODS: Record<string, Method> = {
  contains: (s, [x]) => lowerIncludes(s, x),
  containsAny: (s, xs) => xs.some((x) => lowerIncludes(s, x)),
  containsAll: (s, xs) => xs.every((x) => lowerIncludes(s, x)),
  startsWith: (s, [x]) => str(s).toLowerCase().startsWith(str(x).toLowerCase()),
  endsWith: (s, [x]) => str(s).toLowerCase().endsWith(str(x).toLowerCase()),
  isEmpty: (s: unknown) => !truthy(s),
  lower: (s) => str(s).toLowerCase(),
  upper: (s) => str(s).toUpperCase(),
  trim: (s) => str(s).trim(),
  toString: (s: unknown) => str(s),
  toFixed: (s, [n]) => Number(s).toFixed(Number(n ?? 0)),
  round: (s, [n]) => Math.round(Number(s) * 10 ** Number(n ?? 0)) / 10 ** Number(n ?? 0),
  abs: (s) => Math.abs(Number(s)),
  join: (s, [sep]) => list(s).map(str).join(str(sep ?? ', ')),
};

function hasTag(ctx: EvalContext, tags: unknown[]): boolean {
  return tags.some((t) => {
    const want = str(t).replace(/^#/, '').toLowerCase();
    return ctx.file.tags.some((have) => have === want || have.startsWith(`${want}/`));
  });
}

function inFolder(ctx: EvalContext, folder: unknown): boolean {
  const f = str(folder).replace(/^\/+|\/+$/g, '').toLowerCase();
  const mine = ctx.file.folder.toLowerCase();
  return f === '' || mine === f || mine.startsWith(`${f}/`);
}

function hasLink(ctx: EvalContext, target: unknown): boolean {
  const to = ctx.resolveLink(str(target).replace(/^\[\[|\]\]$/g, ''), ctx.file.path);
  return ctx.file.links.some((l) => (to ? ctx.resolveLink(l.target, ctx.file.path) === to : l.target.toLowerCase() === str(target).toLowerCase()));
}

/** Methods on `file`. */
const FILE_METHODS: Record<string, (ctx: EvalContext, args: unknown[]) => unknown> = {
  hasTag: (ctx, args) => hasTag(ctx, args),
  inFolder: (ctx, [f]) => inFolder(ctx, f),
  hasLink: (ctx, [t]) => hasLink(ctx, t),
  hasProperty: (ctx, [p]) => Object.hasOwn(ctx.file.frontmatter, str(p)),
  asLink: (ctx) => `[[${ctx.file.name}]]`,
};

function toDate(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  return isDateString(v) ? Date.parse(v) : undefined;
}

/** Global functions. `if` is lazy, the others take evaluated arguments. */
const FUNCTIONS: Record<string, (ctx: EvalContext, args: unknown[]) => unknown> = {
  now: (ctx) => ctx.now,
  today: (ctx) => Math.floor(ctx.now / DAY) * DAY,
  date: (_ctx, [v]) => toDate(v),
  number: (_ctx, [v]) => (typeof v === 'boolean' ? Number(v) : toDate(v) ?? Number(v)),
  list: (_ctx, [v]) => list(v),
  link: (_ctx, [v]) => `[[${str(v)}]]`,
  min: (_ctx, args) => Math.min(...args.map(Number)),
  max: (_ctx, args) => Math.max(...args.map(Number)),
};

function known(names: Record<string, unknown>): string {
  return Object.keys(names).join(', ');
}

/** Evaluates a call: a `file` method, a value method, or a global function. */
export function callExpr(e: Extract<Expr, { kind: 'call' }>, ctx: EvalContext, src: string, evaluate: Evaluate): unknown {
  const args = () => e.args.map((a) => evaluate(a, ctx, src));
  if (e.callee.kind === 'id') {
    const name = e.callee.name;
    if (name === 'if') {
      const [cond, yes, no] = e.args;
      return truthy(cond && evaluate(cond, ctx, src)) ? yes && evaluate(yes, ctx, src) : no && evaluate(no, ctx, src);
    }
    const fn = FUNCTIONS[name];
    if (!fn) throw new ExprError(src, 0, `unknown function ${name}() (functions: if, ${known(FUNCTIONS)})`);
    return fn(ctx, args());
  }
  if (e.callee.kind !== 'member') throw new ExprError(src, 0, 'only functions and methods can be called');
  const self = evaluate(e.callee.object, ctx, src);
  const name = e.callee.name;
  if (self instanceof FileRef) {
    const m = FILE_METHODS[name];
    if (!m) throw new ExprError(src, 0, `unknown method file.${name}() (file methods: ${known(FILE_METHODS)})`);
    return m(ctx, args());
  }
  const m = VALUE_METHODS[name];
  if (!m) throw new ExprError(src, 0, `unknown method .${name}() (methods: ${known(VALUE_METHODS)})`);
  return m(self, args());
}
