// HuJSON ("human JSON", github.com/tailscale/hujson): JSON plus `//` and `/* */` comments and
// trailing commas. Headscale and Tailscale read policy files in this format. This parser is
// strict everywhere else (double-quoted strings, JSON numbers, no duplicate keys — the last
// matches Headscale, whose JSON v2 decoder rejects duplicate names).

/** A parsed JSON value. Objects have a null prototype so that keys like `__proto__` are data. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A parsed JSON object (null prototype). */
export type JsonObject = { [key: string]: JsonValue };

/** A 1-based line and column in the source text. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** The parse result: the value and where each JSON path starts (object members: at the key). */
export interface ParsedDocument {
  readonly value: JsonValue;
  readonly positions: ReadonlyMap<string, SourcePosition>;
}

/**
 * Malformed HuJSON. `message` is `line L, column C: <problem>`, e.g.
 * `line 7, column 3: unexpected "}" — expected a value`.
 */
export class PolicyParseError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly problem: string,
  ) {
    super(`line ${line}, column ${column}: ${problem}`);
    this.name = 'PolicyParseError';
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Appends an object key or array index to a JSON path in the style used by policy errors:
 * `acls[2].dst[0]`, `groups["group:ops"][1]`.
 */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (IDENTIFIER.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/**
 * Parses HuJSON text into a value, recording the position of every path.
 * @throws PolicyParseError naming the line, column and problem.
 * @example parseHuJson('{ "acls": [], /* none yet *\/ }').value // { acls: [] }
 */
export function parseHuJson(text: string): ParsedDocument {
  const parser = new Parser(text);
  return { value: parser.document(), positions: parser.positions };
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z0-9_$.+-]+/y;

class Parser {
  readonly positions = new Map<string, SourcePosition>();
  private i = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly s: string) {
    if (s.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  document(): JsonValue {
    this.skip();
    if (this.i >= this.s.length) this.fail('the policy is empty — expected a JSON object such as {}');
    const value = this.value('');
    this.skip();
    if (this.i < this.s.length) this.fail(`unexpected ${this.describe()} after the end of the document`);
    return value;
  }

  private value(path: string): JsonValue {
    this.skip();
    const c = this.s[this.i];
    if (c === '{') return this.object(path);
    if (c === '[') return this.array(path);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.s.startsWith(word, this.i) && !/[\w$]/.test(this.s[this.i + word.length] ?? '')) {
        this.i += word.length;
        return v;
      }
    }
    const hint = c === "'" ? ' (strings use double quotes)' : '';
    return this.fail(`unexpected ${this.describe()} — expected a value${hint}`);
  }

  private object(path: string): JsonObject {
    const out = Object.create(null) as JsonObject;
    this.i++;
    for (;;) {
      this.skip();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      if (this.s[this.i] !== '"') this.fail(`unexpected ${this.describe()} — expected a key in double quotes or "}"`);
      const at = this.here();
      const key = this.string();
      if (Object.hasOwn(out, key)) this.failAt(at, `duplicate key ${JSON.stringify(key)} — remove one of them`);
      this.skip();
      if (this.s[this.i] !== ':') this.fail(`unexpected ${this.describe()} — expected ":" after key ${JSON.stringify(key)}`);
      this.i++;
      const childPath = joinPath(path, key);
      this.positions.set(childPath, at);
      out[key] = this.value(childPath);
      if (!this.separator('}')) return out;
    }
  }

  private array(path: string): JsonValue[] {
    const out: JsonValue[] = [];
    this.i++;
    for (;;) {
      this.skip();
      if (this.s[this.i] === ']') {
        this.i++;
        return out;
      }
      const childPath = joinPath(path, out.length);
      this.positions.set(childPath, this.here());
      out.push(this.value(childPath));
      if (!this.separator(']')) return out;
    }
  }

  /** After a member: `,` continues (a trailing comma is allowed), the closer ends. */
  private separator(close: '}' | ']'): boolean {
    this.skip();
    const c = this.s[this.i];
    if (c === ',') {
      this.i++;
      return true;
    }
    if (c === close) {
      this.i++;
      return false;
    }
    return this.fail(`unexpected ${this.describe()} — expected "," or "${close}"`);
  }

  private string(): string {
    const start = this.here();
    let out = '';
    this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c === '\n') this.failAt(start, 'unterminated string — add the closing double quote');
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c.charCodeAt(0) < 0x20) this.fail('control character in string — escape it (for example \\t)');
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      out += this.escape();
    }
  }

  private escape(): string {
    const e = this.s[this.i + 1] ?? '';
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      this.i += 2;
      return simple;
    }
    const hex = this.s.slice(this.i + 2, this.i + 6);
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(hex)) {
      this.i += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    return this.fail(`invalid escape "\\${e}" in string — use \\", \\\\, \\n, \\t or \\uXXXX`);
  }

  private number(): number {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    WORD.lastIndex = this.i;
    const word = WORD.exec(this.s)?.[0] ?? '';
    if (!m || m[0].length !== word.length) this.fail(`invalid number ${JSON.stringify(word)}`);
    this.i += word.length;
    return Number(word);
  }

  /** Skips whitespace and comments, tracking lines. */
  private skip(): void {
    const s = this.s;
    for (;;) {
      const c = s[this.i];
      if (c === '\n') {
        this.i++;
        this.line++;
        this.lineStart = this.i;
      } else if (c === ' ' || c === '\t' || c === '\r') {
        this.i++;
      } else if (c === '/' && s[this.i + 1] === '/') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else if (c === '/' && s[this.i + 1] === '*') {
        this.blockComment();
      } else {
        return;
      }
    }
  }

  private blockComment(): void {
    const start = this.here();
    this.i += 2;
    for (;;) {
      if (this.i >= this.s.length) this.failAt(start, 'unterminated comment — close it with */');
      if (this.s[this.i] === '*' && this.s[this.i + 1] === '/') {
        this.i += 2;
        return;
      }
      if (this.s[this.i] === '\n') {
        this.line++;
        this.lineStart = this.i + 1;
      }
      this.i++;
    }
  }

  private here(): SourcePosition {
    return { line: this.line, column: this.i - this.lineStart + 1 };
  }

  /** Names what is at the cursor: a character, a bare word, or the end of input. */
  private describe(): string {
    const c = this.s[this.i];
    if (c === undefined) return 'end of input';
    if (c === '"') return "'\"'";
    if (c === '\n' || c === '\r') return 'end of line';
    WORD.lastIndex = this.i;
    const word = WORD.exec(this.s)?.[0];
    return JSON.stringify(word ?? c);
  }

  private fail(problem: string): never {
    return this.failAt(this.here(), problem);
  }

  private failAt(at: SourcePosition, problem: string): never {
    throw new PolicyParseError(at.line, at.column, problem);
  }
}
