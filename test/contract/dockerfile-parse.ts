/**
 * A small Dockerfile parser and the contract checks of Weft's image. There is no container engine
 * where the tests run, so the image is checked statically: the parser follows BuildKit's rules
 * closely enough for that (parser directives, line continuations with the escape character,
 * comments inside continuations, heredocs, flags, exec and shell forms, global ARG substitution in
 * FROM), and `checkDockerfile` models where files land in each stage to check the final image.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

/** One instruction (a logical line, continuations joined). */
export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, COPY, ... */
  keyword: string;
  /** `--name=value` flags before the arguments (COPY, ADD, RUN, FROM, HEALTHCHECK); repeatable. */
  flags: Record<string, string[]>;
  /** The arguments after the flags, continuations joined, trimmed. */
  args: string;
  /** The arguments in exec (JSON array) form, when they are one. */
  json: string[] | undefined;
  /** Bodies of heredocs (`<<EOF ... EOF`) that follow the instruction. */
  heredocs: string[];
  /** 1-based line where the instruction begins. */
  line: number;
}

export interface Stage {
  index: number;
  /** The base as written, with global ARGs substituted. */
  base: string;
  /** `AS name`, lower-cased (stage names are case-insensitive). */
  name: string | undefined;
  line: number;
  /** The FROM instruction is not included. */
  instructions: Instruction[];
}

export interface Dockerfile {
  escape: string;
  /** ARGs declared before the first FROM, with their defaults (possibly overridden by build args). */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

export class DockerfileSyntaxError extends Error {}

const FLAG_KEYWORDS = new Set(['FROM', 'RUN', 'COPY', 'ADD', 'HEALTHCHECK']);
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);

/** Substitutes `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alt}` from `vars`. */
export function substitute(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const value = vars[name];
    if (op === '-') return value === undefined || value === '' ? (word ?? '') : value;
    if (op === '+') return value === undefined || value === '' ? '' : (word ?? '');
    return value ?? '';
  });
}

/** Splits shell-like words: whitespace-separated, with '...' and "..." quoting. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new DockerfileSyntaxError(`unterminated quote in: ${text}`);
  if (inWord) words.push(current);
  return words;
}

function parseJsonArray(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined; // not JSON: Docker falls back to the shell form
  }
}

/** Parses Dockerfile text. `buildArgs` override the defaults of global ARGs (like --build-arg). */
export function parseDockerfile(text: string, buildArgs: Record<string, string> = {}): Dockerfile {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  let i = 0;
  // Parser directives: `# name=value` lines at the very top, before any blank line or instruction.
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(lines[i] ?? '');
    if (!m) break;
    if (m[1]?.toLowerCase() === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new DockerfileSyntaxError(`invalid escape directive: ${m[2]}`);
      escape = m[2];
    }
  }

  const instructions: Instruction[] = [];
  while (i < lines.length) {
    const raw = lines[i] ?? '';
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i++;
      continue;
    }
    const start = i + 1;
    let logical = '';
    let continued = true;
    while (continued && i < lines.length) {
      const current = lines[i] ?? '';
      i++;
      // Comment lines and empty lines inside a continuation are dropped.
      if (logical !== '' && (current.trim().startsWith('#') || current.trim() === '')) continue;
      const body = current.replace(/[ \t]+$/, '');
      if (body.endsWith(escape)) {
        logical += body.slice(0, -1);
      } else {
        logical += body;
        continued = false;
      }
    }
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(logical);
    if (!m) continue;
    const keyword = (m[1] as string).toUpperCase();
    let rest = (m[2] as string).trim();
    const flags: Record<string, string[]> = {};
    if (FLAG_KEYWORDS.has(keyword)) {
      for (;;) {
        const f = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
        if (!f) break;
        (flags[f[1] as string] ??= []).push(f[2] ?? 'true');
        rest = rest.slice(f[0].length);
      }
    }
    const heredocs: string[] = [];
    if (HEREDOC_KEYWORDS.has(keyword)) {
      for (const h of rest.matchAll(/<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g)) {
        const stripTabs = h[1] === '-';
        const terminator = h[3] as string;
        const body: string[] = [];
        for (;;) {
          if (i >= lines.length) throw new DockerfileSyntaxError(`line ${start}: heredoc ${terminator} is not terminated`);
          const l = lines[i] ?? '';
          i++;
          if ((stripTabs ? l.replace(/^\t+/, '') : l) === terminator) break;
          body.push(stripTabs ? l.replace(/^\t+/, '') : l);
        }
        heredocs.push(body.join('\n'));
      }
    }
    instructions.push({ keyword, flags, args: rest, json: parseJsonArray(rest), heredocs, line: start });
  }

  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = splitWords(ins.args);
      const image = words[0];
      if (image === undefined) throw new DockerfileSyntaxError(`line ${ins.line}: FROM needs an image`);
      let name: string | undefined;
      if (words.length === 3 && words[1]?.toUpperCase() === 'AS') name = words[2]?.toLowerCase();
      else if (words.length !== 1) throw new DockerfileSyntaxError(`line ${ins.line}: FROM takes "image [AS name]"`);
      stages.push({ index: stages.length, base: substitute(image, globalArgs), name, line: ins.line, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new DockerfileSyntaxError(`line ${ins.line}: ${ins.keyword} before the first FROM (only ARG may come before it)`);
      for (const word of splitWords(ins.args)) {
        const eq = word.indexOf('=');
        const key = eq < 0 ? word : word.slice(0, eq);
        globalArgs[key] = buildArgs[key] ?? (eq < 0 ? undefined : substitute(word.slice(eq + 1), globalArgs));
      }
    } else {
      (stages[stages.length - 1] as Stage).instructions.push(ins);
    }
  }
  return { escape, globalArgs, stages };
}

// ---------------------------------------------------------------------------------------------
// .dockerignore

interface IgnoreRule {
  negate: boolean;
  re: RegExp;
}

/** Converts a Go filepath.Match pattern (plus `**`) to a regular expression over a whole path. */
function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else {
        re += '.*';
      }
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
      } else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('!') || cls.startsWith('^')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      i++;
      re += (pattern[i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

function cleanPath(p: string): string {
  const n = posix.normalize(p.replace(/^\/+/, '')).replace(/\/+$/, '');
  return n === '' ? '.' : n;
}

/** Parses .dockerignore into rules (comments and blank lines dropped, paths cleaned). */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const line of text.split(/\r?\n/)) {
    let p = line.trim();
    if (p === '' || p.startsWith('#')) continue;
    const negate = p.startsWith('!');
    if (negate) p = p.slice(1).trim();
    p = cleanPath(p);
    rules.push({ negate, re: globToRegExp(p) });
  }
  return rules;
}

/**
 * Whether `path` (relative to the context root) is left out of the build context: like moby's
 * pattern matcher, a rule matches a path or any of its parents, and the last matching rule wins.
 */
export function isIgnored(path: string, rules: IgnoreRule[]): boolean {
  const clean = cleanPath(path);
  const parts = clean.split('/');
  const prefixes = parts.map((_, k) => parts.slice(0, k + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.negate;
  }
  return ignored;
}

/** Checks the .dockerignore text: build outputs and local state must stay out of the context. */
export function checkDockerignore(text: string): string[] {
  const rules = parseDockerignore(text);
  const problems: string[] = [];
  for (const path of ['node_modules', 'dist', 'reports', '.git']) {
    if (!isIgnored(path, rules) || !isIgnored(`${path}/some/file`, rules)) {
      problems.push(`.dockerignore does not exclude ${path}/ (it would be sent in the build context${path === 'node_modules' || path === 'dist' ? ' and could overwrite what the image builds' : ''})`);
    }
  }
  if (!isIgnored('src/node_modules/x', rules)) problems.push('.dockerignore does not exclude nested node_modules (use **/node_modules)');
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Checks

/** The final base must be Node 24 on a slim Debian image, pinned by tag (optionally by digest). */
export const NODE24_SLIM = /^(?:docker\.io\/)?(?:library\/)?node:24(?:\.\d+){0,2}(?:-(?:bookworm|trixie|bullseye))?-slim(?:@sha256:[0-9a-f]{64})?$/;

interface CopyOp {
  line: number;
  /** Stage index (or an external image) when `--from=` is given; undefined = build context. */
  from: number | string | undefined;
  sources: string[];
  /** Absolute destination (resolved against WORKDIR), trailing slash kept. */
  dest: string;
}

/** What the stage looks like after all its instructions (including those of the stages it is FROM). */
interface StageState {
  chain: Stage[];
  copies: CopyOp[];
  workdir: string;
  user: { value: string; line: number } | undefined;
  entrypoint: { argv: string[]; exec: boolean; line: number } | undefined;
  cmd: { argv: string[]; exec: boolean; line: number } | undefined;
  runs: { command: string; line: number; env: Record<string, string> }[];
  exposed: Set<number>;
  labels: Record<string, string>;
  /** Problems found while modelling (unknown --from stage, ...). */
  problems: string[];
}

type Origin = { kind: 'context'; repoPath: string } | { kind: 'built'; stage: number; path: string } | { kind: 'image'; image: string; path: string };

function stageIndexByRef(df: Dockerfile, ref: string, before: number): number | undefined {
  const lower = ref.toLowerCase();
  const byName = df.stages.find((s) => s.name === lower && s.index < before);
  if (byName) return byName.index;
  if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
  return undefined;
}

/** The chain of stages a stage builds on (`FROM build AS runtime` → [build, runtime]), root first. */
function stageChain(df: Dockerfile, stage: Stage): Stage[] {
  const parent = stageIndexByRef(df, stage.base, stage.index);
  return parent === undefined ? [stage] : [...stageChain(df, df.stages[parent] as Stage), stage];
}

function resolvePath(workdir: string, p: string): string {
  const abs = p.startsWith('/') ? p : posix.join(workdir, p);
  const norm = posix.normalize(abs);
  return (p.endsWith('/') || p === '.' || p === './') && !norm.endsWith('/') ? `${norm}/` : norm;
}

function argvOf(ins: Instruction): { argv: string[]; exec: boolean } {
  return ins.json ? { argv: ins.json, exec: true } : { argv: ['/bin/sh', '-c', ins.args], exec: false };
}

function modelStage(df: Dockerfile, stage: Stage): StageState {
  const chain = stageChain(df, stage);
  const st: StageState = {
    chain,
    copies: [],
    workdir: '/',
    user: undefined,
    entrypoint: undefined,
    cmd: undefined,
    runs: [],
    exposed: new Set(),
    labels: {},
    problems: [],
  };
  const env: Record<string, string> = {};
  for (const s of chain) {
    let cmdSet = false;
    const args: Record<string, string | undefined> = { ...df.globalArgs };
    const vars = (): Record<string, string | undefined> => ({ ...args, ...env });
    for (const ins of s.instructions) {
      switch (ins.keyword) {
        case 'ARG':
          for (const w of splitWords(ins.args)) {
            const eq = w.indexOf('=');
            const key = eq < 0 ? w : w.slice(0, eq);
            args[key] = eq < 0 ? df.globalArgs[key] : substitute(w.slice(eq + 1), vars());
          }
          break;
        case 'ENV': {
          const words = splitWords(substitute(ins.args, vars()));
          if (words.length >= 2 && !(words[0] as string).includes('=')) env[words[0] as string] = words.slice(1).join(' ');
          else for (const w of words) env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
          break;
        }
        case 'WORKDIR':
          st.workdir = resolvePath(st.workdir, substitute(ins.args, vars())).replace(/(.)\/$/, '$1');
          break;
        case 'USER':
          st.user = { value: substitute(ins.args, vars()).trim(), line: ins.line };
          break;
        case 'ENTRYPOINT':
          st.entrypoint = { ...argvOf(ins), line: ins.line };
          if (!cmdSet) st.cmd = undefined; // ENTRYPOINT resets a CMD inherited from the base
          break;
        case 'CMD':
          st.cmd = { ...argvOf(ins), line: ins.line };
          cmdSet = true;
          break;
        case 'RUN': {
          const command = [ins.json ? ins.json.join(' ') : ins.args, ...ins.heredocs].join('\n');
          st.runs.push({ command, line: ins.line, env: { ...env } });
          break;
        }
        case 'EXPOSE':
          for (const w of splitWords(substitute(ins.args, vars()))) {
            const port = Number(w.split('/')[0]);
            if (Number.isInteger(port)) st.exposed.add(port);
          }
          break;
        case 'LABEL':
          for (const w of splitWords(ins.args)) {
            const eq = w.indexOf('=');
            if (eq > 0) st.labels[w.slice(0, eq)] = w.slice(eq + 1);
          }
          break;
        case 'COPY':
        case 'ADD': {
          const words = (ins.json ?? splitWords(ins.args)).map((w) => substitute(w, vars()));
          if (words.length < 2) {
            st.problems.push(`line ${ins.line}: ${ins.keyword} needs a source and a destination`);
            break;
          }
          const fromRef = ins.flags.from?.[0];
          let from: number | string | undefined;
          if (fromRef !== undefined) {
            const idx = stageIndexByRef(df, fromRef, s.index);
            if (idx !== undefined) from = idx;
            else if (/[:/@]/.test(fromRef)) from = fromRef;
            else {
              const later = df.stages.some((x) => x.name === fromRef.toLowerCase());
              st.problems.push(`line ${ins.line}: COPY --from=${fromRef} names ${later ? 'a later stage' : 'no stage of this Dockerfile'}`);
              from = fromRef;
            }
          }
          const dest = resolvePath(st.workdir, words[words.length - 1] as string);
          const sources = words.slice(0, -1).filter((w) => !w.startsWith('<<'));
          st.copies.push({ line: ins.line, from, sources, dest: sources.length > 1 && !dest.endsWith('/') ? `${dest}/` : dest });
          break;
        }
        default:
          break;
      }
    }
  }
  return st;
}

function hasGlob(p: string): boolean {
  return /[*?[]/.test(p);
}

/** Expands a COPY source against the repository: `*`, `?` and `[...]` within path segments. */
export function expandSource(repoRoot: string, source: string): string[] {
  const clean = cleanPath(source);
  if (clean === '.') return ['.'];
  if (!hasGlob(clean)) return existsSync(join(repoRoot, clean)) ? [clean] : [];
  let found = [''];
  for (const segment of clean.split('/')) {
    const next: string[] = [];
    for (const dir of found) {
      if (!hasGlob(segment)) {
        const p = dir === '' ? segment : `${dir}/${segment}`;
        if (existsSync(join(repoRoot, p))) next.push(p);
        continue;
      }
      const re = globToRegExp(segment.replace(/\*\*/g, '*'));
      let entries: string[] = [];
      try {
        entries = readdirSync(join(repoRoot, dir === '' ? '.' : dir));
      } catch {
        entries = [];
      }
      for (const e of entries.sort()) if (re.test(e)) next.push(dir === '' ? e : `${dir}/${e}`);
    }
    found = next;
  }
  return found;
}

function isDirectory(repoRoot: string, source: string): boolean {
  const p = join(repoRoot, cleanPath(source));
  if (existsSync(p)) return statSync(p).isDirectory();
  return source.endsWith('/') || source === '.' || !posix.basename(source).includes('.');
}

/**
 * Where the file or directory at `target` in a stage comes from: the build context (a repository
 * path), another stage's filesystem (recursively), or something the stage built with RUN.
 */
function originOf(df: Dockerfile, models: StageState[], repoRoot: string, ignore: IgnoreRule[], stageIdx: number, target: string, depth = 0): Origin | undefined {
  const st = models[stageIdx] as StageState;
  const t = posix.normalize(target).replace(/(.)\/$/, '$1');
  for (const c of [...st.copies].reverse()) {
    const destDir = c.dest.endsWith('/');
    const d = c.dest.replace(/(.)\/$/, '$1');
    for (const src of [...c.sources].reverse()) {
      if (c.from === undefined) {
        for (const repoPath of expandSource(repoRoot, src).reverse()) {
          if (isDirectory(repoRoot, repoPath)) {
            // A directory's contents are copied into the destination.
            if (t === d) return { kind: 'context', repoPath };
            if (t.startsWith(`${d}/`)) {
              const rel = t.slice(d.length + 1);
              const path = repoPath === '.' ? rel : `${repoPath}/${rel}`;
              // What .dockerignore leaves out is not in the context: something else provides it.
              if (!isIgnored(path, ignore)) return { kind: 'context', repoPath: path };
            }
          } else {
            const landing = destDir || hasGlob(src) ? posix.join(d, posix.basename(repoPath)) : d;
            if (t === landing) return { kind: 'context', repoPath };
          }
        }
        // Sources that do not exist are reported elsewhere; still model them by name.
        if (expandSource(repoRoot, src).length === 0 && !hasGlob(src)) {
          const clean = cleanPath(src);
          if (isDirectory(repoRoot, src) && (t === d || t.startsWith(`${d}/`))) {
            return { kind: 'context', repoPath: t === d ? clean : `${clean}/${t.slice(d.length + 1)}` };
          }
          const landing = destDir ? posix.join(d, posix.basename(clean)) : d;
          if (t === landing) return { kind: 'context', repoPath: clean };
        }
      } else {
        const s = posix.normalize(src.startsWith('/') ? src : `/${src}`).replace(/(.)\/$/, '$1');
        let srcPath: string | undefined;
        if (t === d) srcPath = s;
        else if (t.startsWith(`${d}/`)) srcPath = posix.join(s, t.slice(d.length + 1));
        else if (destDir && t === posix.join(d, posix.basename(s))) srcPath = s; // a file into a directory
        if (srcPath === undefined) continue;
        if (typeof c.from === 'string') return { kind: 'image', image: c.from, path: srcPath };
        if (depth > 20) return undefined;
        return originOf(df, models, repoRoot, ignore, c.from, srcPath, depth + 1) ?? { kind: 'built', stage: c.from, path: srcPath };
      }
    }
  }
  return undefined;
}

/** Splits a shell command into simple commands (on &&, ||, ;, |, newlines). */
function simpleCommands(command: string): string[] {
  return command
    .split(/&&|\|\||;|\||\n/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

type NpmEffect = 'dev-install' | 'prod-install' | 'prune-prod' | undefined;

/** What one simple command does to node_modules. */
function npmEffect(cmd: string, env: Record<string, string>): NpmEffect {
  const m = /^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)(?:\S*\/)?(npm|pnpm|yarn)(?:\s+(.*))?$/.exec(cmd);
  if (!m) return undefined;
  const inlineEnv = m[1] ?? '';
  const tool = m[2] as string;
  const words = splitWords(m[3] ?? '');
  const sub = words.find((w) => !w.startsWith('-'));
  const prodFlag = words.some((w, k) => /^--omit=dev$/.test(w) || (w === '--omit' && words[k + 1] === 'dev') || /^--(?:production|prod)(?:=true)?$/.test(w) || /^--only=prod(?:uction)?$/.test(w));
  const devFlag = words.some((w, k) => /^--include=dev$/.test(w) || (w === '--include' && words[k + 1] === 'dev') || /^--(?:production|prod)=false$/.test(w));
  const inlineNodeEnv = /(?:^|\s)NODE_ENV=(\S*)/.exec(inlineEnv)?.[1];
  const prodEnv =
    (inlineNodeEnv ?? env.NODE_ENV) === 'production' ||
    /(?:^|\s)npm_config_omit=dev(?:\s|$)/i.test(inlineEnv) ||
    env.npm_config_omit === 'dev' ||
    env.NPM_CONFIG_OMIT === 'dev';
  const prod = !devFlag && (prodFlag || prodEnv);
  const installs = tool === 'yarn' ? sub === undefined || sub === 'install' : ['ci', 'clean-install', 'install', 'i', 'isntall', 'add'].includes(sub ?? '');
  if (installs) return prod ? 'prod-install' : 'dev-install';
  if (sub === 'prune' && prod) return 'prune-prod';
  return undefined;
}

/** Whether node_modules left by a stage's RUN commands holds production dependencies only. */
function nodeModulesState(st: StageState): { state: 'none' | 'dev' | 'prod'; line: number } {
  let state: 'none' | 'dev' | 'prod' = 'none';
  let line = 0;
  for (const run of st.runs) {
    for (const cmd of simpleCommands(run.command)) {
      const effect = npmEffect(cmd, run.env);
      if (effect === 'dev-install') state = 'dev';
      else if (effect === 'prod-install' || (effect === 'prune-prod' && state !== 'none')) state = 'prod';
      else continue;
      line = run.line;
    }
  }
  return { state, line };
}

export interface CheckOptions {
  /** Text of .dockerignore; default: read `<repoRoot>/.dockerignore` (none = nothing ignored). */
  dockerignore?: string;
  /** Values for global ARGs, like `docker build --build-arg`. */
  buildArgs?: Record<string, string>;
}

/**
 * Checks Weft's image contract on the Dockerfile text; returns the problems found (empty = good).
 * `repoRoot` is the build context, used to check that every COPY source from it exists.
 */
export function checkDockerfile(text: string, repoRoot: string, options: CheckOptions = {}): string[] {
  let df: Dockerfile;
  try {
    df = parseDockerfile(text, options.buildArgs);
  } catch (e) {
    return [`Dockerfile does not parse: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  if (df.stages.length < 2) {
    problems.push(`not a multi-stage build (${df.stages.length} FROM): build in one stage, copy the output into a slim final stage`);
  }
  if (df.stages.length === 0) return problems;

  const ignorePath = join(repoRoot, '.dockerignore');
  const ignoreText = options.dockerignore ?? (existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : '');
  const ignoreRules = parseDockerignore(ignoreText);

  const models = df.stages.map((s) => modelStage(df, s));
  for (const m of models) problems.push(...m.problems.filter((p) => !problems.includes(p)));

  // Every COPY/ADD source from the build context exists, is not ignored, and is not a build output.
  for (const m of models) {
    const own = m.chain[m.chain.length - 1] as Stage;
    const ownLines = new Set(own.instructions.map((i) => i.line));
    for (const c of m.copies) {
      if (c.from !== undefined || !ownLines.has(c.line)) continue;
      for (const src of c.sources) {
        if (/^(?:https?|git):\/\/|^git@/.test(src)) continue;
        const clean = cleanPath(src);
        if (clean === '..' || clean.startsWith('../')) {
          problems.push(`line ${c.line}: COPY source ${src} is outside the build context`);
          continue;
        }
        if (/^(?:dist|node_modules)(?:\/|$)/.test(clean)) {
          problems.push(`line ${c.line}: COPY ${src} takes a build output from the build context; ${clean.split('/')[0]}/ is not in the repository: copy it --from= the stage that builds it`);
          continue;
        }
        const matches = expandSource(repoRoot, src);
        if (matches.length === 0) {
          problems.push(`line ${c.line}: COPY source ${src} does not exist in the repository`);
          continue;
        }
        if (clean === '.' && m === models[models.length - 1]) {
          problems.push(`line ${c.line}: the final stage copies the whole build context (sources, tests, tools): copy only what the operator runs`);
        }
        if (clean !== '.' && matches.every((p) => isIgnored(p, ignoreRules))) {
          problems.push(`line ${c.line}: COPY source ${src} is excluded by .dockerignore`);
        }
      }
    }
  }

  const finalIdx = df.stages.length - 1;
  const final = df.stages[finalIdx] as Stage;
  const fm = models[finalIdx] as StageState;
  const root = fm.chain[0] as Stage;

  // Base: Node 24 slim.
  if (root.base.includes('$')) problems.push(`line ${root.line}: final base image "${root.base}" has an unresolved variable`);
  else if (!NODE24_SLIM.test(root.base)) {
    problems.push(`line ${root.line}: final base image is ${root.base || '(empty)'}, not Node 24 slim (node:24-bookworm-slim, pinned by tag)`);
  }

  // A non-root, numeric user.
  if (!fm.user) {
    problems.push(`final stage (line ${final.line}) sets no USER: the operator would run as root`);
  } else {
    const [user, group] = fm.user.value.split(':');
    if (user === undefined || user === '' || user === 'root' || /^0+$/.test(user)) {
      problems.push(`line ${fm.user.line}: USER ${fm.user.value} runs as root`);
    } else if (!/^\d+$/.test(user)) {
      problems.push(`line ${fm.user.line}: USER ${fm.user.value} is not numeric: Kubernetes runAsNonRoot can only verify a numeric UID`);
    }
    if (group !== undefined && (group === 'root' || /^0+$/.test(group))) problems.push(`line ${fm.user.line}: USER ${fm.user.value} runs with the root group`);
  }

  // ENTRYPOINT/CMD: exec form, `node <app>/bin/weft.js operator`.
  let appRoot: string | undefined;
  if (!fm.entrypoint) {
    problems.push('final stage has no ENTRYPOINT: it must run node bin/weft.js');
  } else if (!fm.entrypoint.exec) {
    problems.push(`line ${fm.entrypoint.line}: ENTRYPOINT is in shell form: use exec form (JSON) so node is PID 1 and receives SIGTERM`);
  } else {
    const argv = [...fm.entrypoint.argv, ...(fm.cmd?.argv ?? [])];
    const [exe, script, ...rest] = argv;
    if (fm.cmd && !fm.cmd.exec) problems.push(`line ${fm.cmd.line}: CMD is in shell form: use exec form (JSON) with ENTRYPOINT`);
    if (exe !== 'node' && !(exe ?? '').endsWith('/node')) problems.push(`line ${fm.entrypoint.line}: ENTRYPOINT runs ${exe ?? '(nothing)'}, not node`);
    const scriptPath = script === undefined ? undefined : posix.resolve(fm.workdir, script);
    if (scriptPath === undefined || !scriptPath.endsWith('/bin/weft.js')) {
      problems.push(`line ${fm.entrypoint.line}: ENTRYPOINT runs ${script ?? '(no script)'}, not bin/weft.js`);
    } else {
      appRoot = posix.dirname(posix.dirname(scriptPath));
      const origin = originOf(df, models, repoRoot, ignoreRules, finalIdx, scriptPath);
      if (origin?.kind !== 'context' || origin.repoPath !== 'bin/weft.js') {
        problems.push(`line ${fm.entrypoint.line}: ${scriptPath} is not the repository's bin/weft.js in the final image (no COPY puts bin/ at ${appRoot}/bin)`);
      }
    }
    if (rest.length !== 1 || rest[0] !== 'operator') {
      problems.push(`ENTRYPOINT + CMD run "weft ${rest.join(' ')}", not "weft operator"`);
    }
  }

  if (appRoot !== undefined) {
    // package.json ("type": "module", the version) and crds/ from the repository.
    for (const [rel, repoPath] of [
      ['package.json', 'package.json'],
      ['crds', 'crds'],
    ] as const) {
      const o = originOf(df, models, repoRoot, ignoreRules, finalIdx, `${appRoot}/${rel}`);
      if (o?.kind !== 'context' || o.repoPath !== repoPath) problems.push(`final image has no ${appRoot}/${rel} from the repository's ${repoPath}`);
    }
    // dist/ is built in a build stage, never taken from the context.
    const dist = originOf(df, models, repoRoot, ignoreRules, finalIdx, `${appRoot}/dist`);
    if (dist === undefined) {
      problems.push(`final image has no ${appRoot}/dist: copy it --from= the build stage`);
    } else if (dist.kind === 'built') {
      const builder = models[dist.stage] as StageState;
      if (!builder.runs.some((r) => /\bnpm\s+run\s+build\b|\btsc\b/.test(r.command))) {
        problems.push(`${appRoot}/dist comes from stage ${df.stages[dist.stage]?.name ?? dist.stage}, which never runs npm run build`);
      }
    } else if (dist.kind === 'context') {
      problems.push(`${appRoot}/dist comes from the build context (${dist.repoPath}): copy it --from= the build stage`);
    }
    // node_modules: production dependencies only.
    const nm = originOf(df, models, repoRoot, ignoreRules, finalIdx, `${appRoot}/node_modules`);
    if (nm?.kind === 'built') {
      const state = nodeModulesState(models[nm.stage] as StageState);
      const name = df.stages[nm.stage]?.name ?? String(nm.stage);
      if (state.state === 'dev') problems.push(`${appRoot}/node_modules comes from stage ${name}, whose last install (line ${state.line}) includes dev dependencies: use npm ci --omit=dev or npm prune --omit=dev`);
      if (state.state === 'none') problems.push(`${appRoot}/node_modules comes from stage ${name}, which never installs production dependencies`);
    } else if (nm?.kind === 'context') {
      problems.push(`${appRoot}/node_modules comes from the build context: install it in a stage`);
    } else if (nm === undefined && nodeModulesState(fm).state !== 'prod') {
      problems.push(`final image has no production ${appRoot}/node_modules`);
    }
  }

  // No dev dependencies installed in the final stage (or the stages it is FROM).
  for (const run of fm.runs) {
    for (const cmd of simpleCommands(run.command)) {
      if (npmEffect(cmd, run.env) === 'dev-install') problems.push(`line ${run.line}: final stage installs dev dependencies (${cmd}): add --omit=dev`);
    }
  }

  for (const port of [8080, 9443]) if (!fm.exposed.has(port)) problems.push(`final stage does not EXPOSE ${port}`);
  for (const label of ['org.opencontainers.image.title', 'org.opencontainers.image.licenses']) {
    if (!(label in fm.labels)) problems.push(`final stage has no ${label} LABEL`);
  }
  return problems;
}
