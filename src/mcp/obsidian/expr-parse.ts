/** A Bases filter or formula expression (`file.hasTag("x") && status != "done"`) that does not parse. */
export class ExprError extends Error {
  override readonly name = 'ExprError';
  constructor(
    readonly expression: string,
    readonly position: number,
    problem: string,
  ) {
    super(`${problem} at column ${position + 1} of ${JSON.stringify(expression)}`);
  }
}

/** The expression tree. */
export type Expr =
  | { kind: 'lit'; value: unknown }
  | { kind: 'id'; name: string }
  | { kind: 'member'; object: Expr; name: string }
  | { kind: 'index'; object: Expr; index: Expr }
  | { kind: 'call'; callee: Expr; args: Expr[] }
  | { kind: 'unary'; op: '!' | '-'; arg: Expr }
  | { kind: 'binary'; op: string; left: Expr; right: Expr };

interface Token {
  type: 'num' | 'str' | 'id' | 'op' | 'end';
  text: string;
  value?: unknown;
  pos: number;
}

const OPS = ['==', '!=', '>=', '<=', '&&', '||', '>', '<', '!', '(', ')', '.', ',', '[', ']', '+', '-', '*', '/', '%'];

function readString(src: string, i: number): Token {
  const q = src[i] as string;
  let j = i + 1;
  let out = '';
  for (; j < src.length && src[j] !== q; j++) {
    if (src[j] === '\\' && j + 1 < src.length) j++;
    out += src[j];
  }
  if (j >= src.length) throw new ExprError(src, i, 'unterminated string');
  return { type: 'str', text: src.slice(i, j + 1), value: out, pos: i };
}

/** Splits an expression into tokens. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === '"' || c === "'") {
      const t = readString(src, i);
      out.push(t);
      i += t.text.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^\d+(?:\.\d+)?/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ type: 'num', text: m[0], value: Number(m[0]), pos: i });
      i += m[0].length;
    } else if (/[\p{L}_$]/u.test(c)) {
      const m = /^[\p{L}_$][\p{L}\p{N}_$]*/u.exec(src.slice(i)) as RegExpExecArray;
      out.push({ type: 'id', text: m[0], pos: i });
      i += m[0].length;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (!op) throw new ExprError(src, i, `unexpected character ${JSON.stringify(c)}`);
      out.push({ type: 'op', text: op, pos: i });
      i += op.length;
    }
  }
  out.push({ type: 'end', text: '', pos: src.length });
  return out;
}

const LEVELS: string[][] = [['||'], ['&&'], ['==', '!=', '>', '>=', '<', '<='], ['+', '-'], ['*', '/', '%']];

/** Recursive-descent parser over the tokens, lowest precedence first. */
class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    return this.tokens[this.i++] as Token;
  }

  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text || t.type === 'str') throw new ExprError(this.src, t.pos, `expected ${JSON.stringify(text)} but found ${JSON.stringify(t.text || 'end')}`);
  }

  parse(): Expr {
    const e = this.binary(0);
    const t = this.peek();
    if (t.type !== 'end') throw new ExprError(this.src, t.pos, `unexpected ${JSON.stringify(t.text)}`);
    return e;
  }

  private binary(level: number): Expr {
    if (level >= LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    while (this.peek().type === 'op' && LEVELS[level]?.includes(this.peek().text)) {
      const op = this.next().text;
      left = { kind: 'binary', op, left, right: this.binary(level + 1) };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.type === 'op' && (t.text === '!' || t.text === '-')) {
      this.next();
      return { kind: 'unary', op: t.text, arg: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private args(): Expr[] {
    const args: Expr[] = [];
    if (this.peek().text === ')' && this.peek().type === 'op') return (this.next(), args);
    for (;;) {
      args.push(this.binary(0));
      const t = this.next();
      if (t.text === ')') return args;
      if (t.text !== ',') throw new ExprError(this.src, t.pos, `expected "," or ")" but found ${JSON.stringify(t.text || 'end')}`);
    }
  }

  private postfix(e: Expr): Expr {
    let out = e;
    for (let t = this.peek(); t.type === 'op' && ['.', '(', '['].includes(t.text); t = this.peek()) {
      this.next();
      if (t.text === '(') out = { kind: 'call', callee: out, args: this.args() };
      else if (t.text === '[') {
        out = { kind: 'index', object: out, index: this.binary(0) };
        this.expect(']');
      } else {
        const name = this.next();
        if (name.type !== 'id') throw new ExprError(this.src, name.pos, 'expected a name after "."');
        out = { kind: 'member', object: out, name: name.text };
      }
    }
    return out;
  }

  private primary(): Expr {
    const t = this.next();
    if (t.type === 'num' || t.type === 'str') return { kind: 'lit', value: t.value };
    if (t.type === 'id') {
      if (t.text === 'true' || t.text === 'false') return { kind: 'lit', value: t.text === 'true' };
      if (t.text === 'null') return { kind: 'lit', value: null };
      return { kind: 'id', name: t.text };
    }
    if (t.text === '(') {
      const e = this.binary(0);
      this.expect(')');
      return e;
    }
    throw new ExprError(this.src, t.pos, t.type === 'end' ? 'expression ends too early' : `unexpected ${JSON.stringify(t.text)}`);
  }
}

/**
 * Parses a Bases expression: literals, property names (`status`, `note.status`, `file.name`,
 * `formula.x`), method calls (`file.hasTag("a")`), `! && || == != > >= < <= + - * / %`, parentheses.
 *
 * @throws ExprError naming the column and the expression
 */
export function parseExpr(src: string): Expr {
  return new Parser(src, tokenize(src)).parse();
}
