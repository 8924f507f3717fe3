import { ExprError, parseExpr, type Expr } from './expr-parse.js';
import { DAY, DURATION, FileRef, UNIT, compare, equal, fileProperty, isDateString, truthy, type EvalContext } from './expr-values.js';
import { callExpr } from './expr-calls.js';

const cache = new Map<string, Expr>();

/** Parses once per distinct expression text. */
export function compiled(src: string): Expr {
  let e = cache.get(src);
  if (!e) {
    e = parseExpr(src);
    if (cache.size > 10_000) cache.clear();
    cache.set(src, e);
  }
  return e;
}

function arithmetic(op: string, a: unknown, b: unknown): unknown {
  const d = typeof b === 'string' ? DURATION.exec(b) : null;
  const right = d ? Number(d[1]) * (UNIT[(d[2] ?? 'd').toLowerCase()] ?? DAY) : b;
  if (op === '+' && (typeof a === 'string' || typeof right === 'string')) return `${String(a ?? '')}${String(right ?? '')}`;
  const x = isDateString(a) ? Date.parse(a) : Number(a);
  const y = Number(right);
  const ops: Record<string, (p: number, q: number) => number> = { '+': (p, q) => p + q, '-': (p, q) => p - q, '*': (p, q) => p * q, '/': (p, q) => p / q, '%': (p, q) => p % q };
  return ops[op]?.(x, y);
}

function binary(e: Extract<Expr, { kind: 'binary' }>, ctx: EvalContext, src: string): unknown {
  if (e.op === '&&') return truthy(evaluate(e.left, ctx, src)) && truthy(evaluate(e.right, ctx, src));
  if (e.op === '||') return truthy(evaluate(e.left, ctx, src)) || truthy(evaluate(e.right, ctx, src));
  const a = evaluate(e.left, ctx, src);
  const b = evaluate(e.right, ctx, src);
  if (e.op === '==') return equal(a, b);
  if (e.op === '!=') return !equal(a, b);
  if (['>', '>=', '<', '<='].includes(e.op)) {
    const c = compare(a, b);
    if (c === undefined) return false;
    return e.op === '>' ? c > 0 : e.op === '>=' ? c >= 0 : e.op === '<' ? c < 0 : c <= 0;
  }
  return arithmetic(e.op, a, b);
}

function member(obj: unknown, name: string, ctx: EvalContext): unknown {
  if (obj instanceof FileRef) return fileProperty(obj, name);
  if (name === 'length' && (typeof obj === 'string' || Array.isArray(obj))) return obj.length;
  if (obj && typeof obj === 'object' && !Array.isArray(obj)) return (obj as Record<string, unknown>)[name];
  void ctx;
  return undefined;
}

function identifier(name: string, ctx: EvalContext, src: string): unknown {
  if (name === 'file') return new FileRef(ctx);
  if (name === 'note') return ctx.file.frontmatter;
  if (name === 'formula') return new Proxy({}, { get: (_t, key) => formula(String(key), ctx, src) });
  return ctx.file.frontmatter[name];
}

const evaluating = new Set<string>();

function formula(name: string, ctx: EvalContext, src: string): unknown {
  const body = ctx.formulas[name];
  if (body === undefined) throw new ExprError(src, 0, `unknown formula ${JSON.stringify(name)} (formulas: ${Object.keys(ctx.formulas).join(', ') || 'none'})`);
  if (evaluating.has(name)) throw new ExprError(src, 0, `formula ${JSON.stringify(name)} refers to itself`);
  evaluating.add(name);
  try {
    return evaluate(compiled(body), ctx, body);
  } finally {
    evaluating.delete(name);
  }
}

/** Evaluates a parsed expression for one file. */
export function evaluate(e: Expr, ctx: EvalContext, src: string): unknown {
  switch (e.kind) {
    case 'lit':
      return e.value;
    case 'id':
      return identifier(e.name, ctx, src);
    case 'member':
      return member(evaluate(e.object, ctx, src), e.name, ctx);
    case 'index': {
      const o = evaluate(e.object, ctx, src);
      const k = evaluate(e.index, ctx, src);
      return o instanceof FileRef ? fileProperty(o, String(k)) : (o as Record<string, unknown> | undefined)?.[String(k)];
    }
    case 'unary':
      return e.op === '!' ? !truthy(evaluate(e.arg, ctx, src)) : -Number(evaluate(e.arg, ctx, src));
    case 'binary':
      return binary(e, ctx, src);
    case 'call':
      return callExpr(e, ctx, src, evaluate);
  }
}
