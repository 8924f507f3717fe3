/**
 * What a lint or test run says, in a few fields: counts (passed/failed/skipped), the first failing
 * tests with file:line, the first lint errors. Read from JUnit XML reports when the run wrote some,
 * else from the output: TAP, and the closing lines of jest, vitest, mocha, node --test, pytest,
 * go test and cargo test; lint errors in eslint (stylish and unix), ruff/flake8 and tsc formats.
 * Pure functions; the runner feeds them (src/agents/run/toolchain.ts).
 */
import { XMLParser } from 'fast-xml-parser';

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface TestFailure {
  name: string;
  /** `path:line` when the report or a stack trace says. */
  location?: string;
  message?: string;
}

export interface LintError {
  location: string;
  message: string;
}

export interface RunSummary {
  /** Where the counts came from: `junit`, `tap`, or the runner (`jest`, `pytest`, …). */
  source?: string;
  counts?: TestCounts;
  failures: TestFailure[];
  lintErrors: LintError[];
}

/** At most this many failures and lint errors are kept. */
export const MAX_ITEMS = 5;
const clip = (s: string, n: number) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

// --- JUnit XML --------------------------------------------------------------------------------

type XmlNode = Record<string, unknown>;
const one = (v: unknown): XmlNode[] => (typeof v === 'string' ? [{ '#text': v }] : v !== null && typeof v === 'object' ? [v as XmlNode] : []);
/** An element's children of one name as a list (the parser gives one as an object, text-only ones as strings). */
const arr = (v: unknown): XmlNode[] => (Array.isArray(v) ? v.flatMap(one) : one(v));

/** Counts and failures from one JUnit XML document; undefined when it is not one (or not XML). */
export function parseJUnit(xml: string): { counts: TestCounts; failures: TestFailure[] } | undefined {
  let doc: XmlNode;
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text' }).parse(xml) as XmlNode;
  } catch {
    return undefined;
  }
  const suites: XmlNode[] = [];
  const collect = (n: XmlNode) => {
    for (const s of arr(n.testsuite)) {
      suites.push(s);
      collect(s);
    }
  };
  collect(doc);
  for (const ss of arr(doc.testsuites)) collect(ss);
  if (suites.length === 0) return undefined;
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  const failures: TestFailure[] = [];
  for (const suite of suites) {
    for (const tc of arr(suite.testcase)) {
      const bad = arr(tc.failure)[0] ?? arr(tc.error)[0];
      if (bad) {
        counts.failed++;
        if (failures.length < MAX_ITEMS) failures.push(junitFailure(tc, suite, bad));
      } else if (tc.skipped !== undefined && tc.skipped !== null) counts.skipped++;
      else counts.passed++;
    }
  }
  return { counts, failures };
}

function junitFailure(tc: XmlNode, suite: XmlNode, bad: XmlNode): TestFailure {
  const name = [tc['@classname'], tc['@name']].filter(Boolean).join(' › ') || 'unnamed test';
  const file = (tc['@file'] ?? suite['@file']) as string | undefined;
  const line = tc['@line'] as string | undefined;
  const text = typeof bad === 'string' ? bad : String(bad['#text'] ?? '');
  const location = file ? `${file}${line ? `:${line}` : ''}` : firstStackLocation(text);
  const message = (bad['@message'] as string | undefined) ?? text.split('\n').find((l) => l.trim());
  return { name: clip(name, 100), ...(location ? { location: clip(location, 100) } : {}), ...(message ? { message: clip(message, 120) } : {}) };
}

// --- output of test runners ---------------------------------------------------------------------

const num = (m: RegExpExecArray | null, i = 1) => (m ? Number(m[i]) : 0);

type Found = { source: string; counts: TestCounts } | undefined;
/** Counts from "1 failed, 2 skipped, 311 passed"-style text with the given words. */
const wordCounts = (text: string, failedWords = 'failed'): TestCounts => {
  const g = (w: string) => num(new RegExp(`(\\d+) (?:${w})\\b`).exec(text));
  return { passed: g('passed'), failed: g(failedWords), skipped: g('skipped') + g('todo') + g('xfailed') };
};

/** The runners' closing lines, most specific first. */
const CLOSERS: Array<(tail: string, all: string) => Found> = [
  (t) => ((m) => (m ? { source: 'jest', counts: wordCounts(m[1]!) } : undefined))(/^Tests:\s+(.*\d+ total)\s*$/m.exec(t)),
  (t) => ((m) => (m ? { source: 'vitest', counts: wordCounts(m[1]!) } : undefined))(/^\s*Tests\s+(.*)\(\d+\)\s*$/m.exec(t)),
  (t) => ((m) => (m ? { source: 'pytest', counts: wordCounts(m[1]!, 'failed|errors?') } : undefined))(/^=+ (.*\d+ (?:passed|failed|error).*) in [\d.]+s.*=+\s*$/m.exec(t)),
  (t) => ((m) => (m ? { source: 'cargo', counts: { passed: num(m), failed: num(m, 2), skipped: num(m, 3) } } : undefined))(/^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/m.exec(t)),
  (t) => {
    const pass = /^(?:#|ℹ) pass (\d+)\s*$/m.exec(t);
    const fail = /^(?:#|ℹ) fail (\d+)\s*$/m.exec(t);
    if (!pass && !fail) return undefined;
    return { source: /^ℹ /m.test(t) ? 'node' : 'tap', counts: { passed: num(pass), failed: num(fail), skipped: num(/^(?:#|ℹ) (?:skip(?:ped)?|todo) (\d+)\s*$/m.exec(t)) } };
  },
  (t) => ((m) => (m ? { source: 'mocha', counts: { passed: num(m), failed: num(/^\s+(\d+) failing\s*$/m.exec(t)), skipped: num(/^\s+(\d+) pending\s*$/m.exec(t)) } } : undefined))(/^\s+(\d+) passing \(/m.exec(t)),
  (_t, all) => {
    const n = (re: RegExp) => all.match(re)?.length ?? 0;
    const passed = n(/^\s*--- PASS: /gm);
    const failed = n(/^\s*--- FAIL: /gm);
    return passed + failed > 0 ? { source: 'go', counts: { passed, failed, skipped: n(/^\s*--- SKIP: /gm) } } : undefined;
  },
  (_t, all) => ((c) => (c ? { source: 'tap', counts: c } : undefined))(countTap(all)),
];

/** Counts from the runner's closing lines, and which runner said so. */
export function countsFromOutput(output: string): Found {
  const tail = output.split('\n').slice(-200).join('\n');
  for (const f of CLOSERS) {
    const r = f(tail, output);
    if (r) return r;
  }
  return undefined;
}

function countTap(output: string): TestCounts | undefined {
  if (!/^\d+\.\.\d+\s*$/m.test(output) && !/^TAP version/m.test(output)) return undefined;
  const lines = output.split('\n').filter((l) => /^(not )?ok \d+/.test(l));
  const skipped = lines.filter((l) => /# (SKIP|TODO)/i.test(l)).length;
  const failed = lines.filter((l) => l.startsWith('not ok') && !/# (SKIP|TODO)/i.test(l)).length;
  return { passed: lines.length - failed - skipped, failed, skipped };
}

/** The first `path:line` of a stack trace or message that is not in node_modules or node itself. */
export function firstStackLocation(text: string): string | undefined {
  for (const m of text.matchAll(/(?:\(|at |\s|^|'|")((?:file:\/\/)?[\w./@-]+\.[a-z]{1,5}):(\d+)(?::\d+)?/gm)) {
    const path = m[1]!.replace(/^file:\/\//, '');
    if (path.includes('node_modules') || path.startsWith('node:')) continue;
    return `${path.replace(/^.*?\/repo\//, '')}:${m[2]}`;
  }
  return undefined;
}

/** The first failing tests named in the output (jest/vitest `●`, node `✖`, TAP `not ok`, pytest `FAILED`, go `--- FAIL`, cargo `----`). */
export function failuresFromOutput(output: string): TestFailure[] {
  const lines = output.split('\n');
  const out: TestFailure[] = [];
  const heads: Array<[RegExp, (m: RegExpExecArray) => string]> = [
    [/^\s*● (.+)$/, (m) => m[1]!],
    [/^\s*✖ (.+?)(?: \([\d.]+m?s\))?$/, (m) => m[1]!],
    [/^not ok \d+ - (.+?)(?: #.*)?$/, (m) => m[1]!],
    [/^FAILED (\S+?)(?: - .*)?$/, (m) => m[1]!],
    [/^\s*--- FAIL: (\S+)/, (m) => m[1]!],
    [/^---- (\S+) stdout ----$/, (m) => m[1]!],
  ];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length && out.length < MAX_ITEMS; i++) {
    for (const [re, name] of heads) {
      const m = re.exec(lines[i]!);
      if (!m) continue;
      const n = name(m);
      if (/^(Test suite failed to run|tests? failed|failing tests?:?)$/i.test(n) || seen.has(n)) break;
      seen.add(n);
      const body = lines.slice(i + 1, i + 30).join('\n');
      const message = lines.slice(i + 1, i + 30).find((l) => /error|expected|assert|panicked|!=|received/i.test(l));
      const location = /^FAILED (\S+?)::/.exec(lines[i]!)?.[1] ? firstStackLocation(body) ?? /^FAILED (\S+?)::/.exec(lines[i]!)![1] : firstStackLocation(body);
      out.push({ name: clip(n, 100), ...(location ? { location: clip(location, 100) } : {}), ...(message ? { message: clip(message, 120) } : {}) });
      break;
    }
  }
  return out;
}

/** The first lint errors: eslint stylish and unix, ruff/flake8/pylint `path:line:col: CODE msg`, tsc `file(line,col): error TS…`. */
export function lintErrorsFromOutput(output: string): LintError[] {
  const out: LintError[] = [];
  let file: string | undefined;
  for (const raw of output.split('\n')) {
    if (out.length >= MAX_ITEMS) break;
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    const tsc = /^(\S+?)\((\d+),\d+\): error (TS\d+: .+)$/.exec(line);
    const unix = /^(\S+?):(\d+):\d+: (.+)$/.exec(line);
    const stylish = /^\s+(\d+):\d+\s+error\s+(.+?)\s*$/.exec(line);
    if (/^\/?\S+\.\w+$/.test(line.trim()) && !line.startsWith(' ')) file = line.trim();
    if (tsc) out.push({ location: `${tsc[1]}:${tsc[2]}`, message: clip(tsc[3]!, 120) });
    else if (unix && !/^\s*at /.test(line)) out.push({ location: `${unix[1]}:${unix[2]}`, message: clip(unix[3]!, 120) });
    else if (stylish && file) out.push({ location: `${file.replace(/^.*?\/repo\//, '')}:${stylish[1]}`, message: clip(stylish[2]!.replace(/\s{2,}/g, ' '), 120) });
  }
  return out;
}

/** The summary of one test run: JUnit reports when there are any, else the output. */
export function summarizeTests(output: string, reports: string[] = []): RunSummary {
  const parsed = reports.map(parseJUnit).filter((r) => r !== undefined);
  if (parsed.length > 0) {
    const counts = parsed.reduce<TestCounts>((a, r) => ({ passed: a.passed + r.counts.passed, failed: a.failed + r.counts.failed, skipped: a.skipped + r.counts.skipped }), { passed: 0, failed: 0, skipped: 0 });
    return { source: 'junit', counts, failures: parsed.flatMap((r) => r.failures).slice(0, MAX_ITEMS), lintErrors: [] };
  }
  const c = countsFromOutput(output);
  return { ...(c ? { source: c.source, counts: c.counts } : {}), failures: failuresFromOutput(output), lintErrors: [] };
}

/** The summary of one lint run. */
export function summarizeLint(output: string): RunSummary {
  return { failures: [], lintErrors: lintErrorsFromOutput(output) };
}

/** "1 failed, 311 passed, 2 skipped (jest)". */
export function countsText(s: RunSummary): string | undefined {
  if (!s.counts) return undefined;
  const { passed, failed, skipped } = s.counts;
  return `${failed} failed, ${passed} passed${skipped ? `, ${skipped} skipped` : ''}${s.source ? ` (${s.source})` : ''}`;
}
