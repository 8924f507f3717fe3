/**
 * Test reports into counts: JUnit XML, TAP, or the closing line a test runner prints (node --test,
 * jest, vitest, pytest, mocha). Pure and self-contained — no imports, only erasable TypeScript —
 * because the ci-runner pod runs this very file (types stripped) to write its summary; the
 * operator never parses a pod's files.
 */

/** Where the counts came from. */
export type ReportFormat = 'junit' | 'tap' | 'text' | 'none';

/** Test counts of one run. */
export interface TestCounts {
  format: ReportFormat;
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

const attr = (tag: string, name: string): number | undefined => {
  const m = new RegExp(`\\s${name}\\s*=\\s*["'](\\d+)["']`).exec(tag);
  return m ? Number(m[1]) : undefined;
};

/**
 * JUnit XML (Surefire, jest-junit, node --test's junit reporter, pytest --junitxml): each
 * `<testcase>` counts once, failed when it holds `<failure>` or `<error>`, skipped with `<skipped>`.
 * Without test cases, the root element's `tests`/`failures`/`errors`/`skipped` attributes.
 * @example parseJUnit('<testsuite><testcase name="a"/><testcase name="b"><failure/></testcase></testsuite>') // 1 passed, 1 failed
 */
export function parseJUnit(xml: string): TestCounts | undefined {
  const cases = xml.match(/<testcase\b(?:[^>]*\/>|[^>]*>[\s\S]*?<\/testcase>)/g) ?? [];
  if (cases.length > 0) {
    let failed = 0;
    let skipped = 0;
    for (const c of cases) {
      if (/<(failure|error)\b/.test(c)) failed++;
      else if (/<skipped\b/.test(c)) skipped++;
    }
    return { format: 'junit', total: cases.length, passed: cases.length - failed - skipped, failed, skipped };
  }
  const root = /<testsuites?\b[^>]*>/.exec(xml)?.[0];
  const total = root ? attr(root, 'tests') : undefined;
  if (root === undefined || total === undefined) return undefined;
  const failed = (attr(root, 'failures') ?? 0) + (attr(root, 'errors') ?? 0);
  const skipped = attr(root, 'skipped') ?? attr(root, 'disabled') ?? 0;
  return { format: 'junit', total, passed: Math.max(0, total - failed - skipped), failed, skipped };
}

/**
 * TAP 13/14: `ok`/`not ok` lines at the outermost indentation (nested subtests are summed up by
 * their parent), `# SKIP` and `# TODO` directives count as skipped.
 */
export function parseTap(text: string): TestCounts | undefined {
  const lines = text.split('\n').filter((l) => /^\s*(not )?ok\b/.test(l));
  if (lines.length === 0) return undefined;
  const indent = Math.min(...lines.map((l) => l.length - l.trimStart().length));
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const l of lines) {
    if (l.length - l.trimStart().length !== indent) continue;
    if (/#\s*(SKIP|TODO)\b/i.test(l)) skipped++;
    else if (l.trimStart().startsWith('not ok')) failed++;
    else passed++;
  }
  return { format: 'tap', total: passed + failed + skipped, passed, failed, skipped };
}

const num = (text: string, re: RegExp): number | undefined => {
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
};

/** One runner's closing lines into counts, or undefined when they are not its. */
type ClosingLine = (tail: string) => TestCounts | undefined;

const text = (passed: number, failed: number, skipped: number, total?: number): TestCounts => ({ format: 'text', total: total ?? passed + failed + skipped, passed, failed, skipped });

/** node --test (spec reporter: `ℹ tests 3` … ; TAP reporter: `# tests 3` …). */
const nodeTest: ClosingLine = (t) => {
  const total = num(t, /^[#ℹ]\s*tests (\d+)\s*$/m);
  if (total === undefined) return undefined;
  const failed = num(t, /^[#ℹ]\s*fail (\d+)\s*$/m) ?? 0;
  const skipped = (num(t, /^[#ℹ]\s*skipped (\d+)\s*$/m) ?? 0) + (num(t, /^[#ℹ]\s*todo (\d+)\s*$/m) ?? 0);
  return text(num(t, /^[#ℹ]\s*pass (\d+)\s*$/m) ?? total - failed - skipped, failed, skipped, total);
};

/** jest and vitest: `Tests:  1 failed, 2 passed, 3 total` / `Tests  1 failed | 2 passed (3)`. */
const jestLike: ClosingLine = (t) => {
  const line = /^\s*Tests:?\s+(.*\d+ (?:passed|failed).*)$/m.exec(t)?.[1];
  if (!line) return undefined;
  const failed = num(line, /(\d+) failed/) ?? 0;
  const skipped = (num(line, /(\d+) skipped/) ?? 0) + (num(line, /(\d+) todo/) ?? 0);
  const passed = num(line, /(\d+) passed/) ?? 0;
  return text(passed, failed, skipped, num(line, /(\d+) total/) ?? num(line, /\((\d+)\)/));
};

/** pytest: `==== 1 failed, 2 passed, 1 skipped in 0.12s ====`. */
const pytest: ClosingLine = (t) => {
  const line = /^=+ (.*\d+ (?:passed|failed|error).*) in [\d.]+s.*=+\s*$/m.exec(t)?.[1];
  if (!line) return undefined;
  return text(num(line, /(\d+) passed/) ?? 0, (num(line, /(\d+) failed/) ?? 0) + (num(line, /(\d+) errors?/) ?? 0), (num(line, /(\d+) skipped/) ?? 0) + (num(line, /(\d+) xfailed/) ?? 0));
};

/** mocha: `2 passing (5ms)`, `1 failing`, `1 pending`. */
const mocha: ClosingLine = (t) => {
  const passed = num(t, /^\s*(\d+) passing\b/m);
  if (passed === undefined) return undefined;
  return text(passed, num(t, /^\s*(\d+) failing\b/m) ?? 0, num(t, /^\s*(\d+) pending\b/m) ?? 0);
};

/**
 * The counts in the closing lines of a test run's output (the last 40 lines; the runners above,
 * tried in order).
 */
export function parseClosingLine(output: string): TestCounts | undefined {
  const tail = output.replace(/\u001b\[[0-9;]*m/g, '').split('\n').slice(-40).join('\n');
  for (const parse of [nodeTest, jestLike, pytest, mocha]) {
    const c = parse(tail);
    if (c) return c;
  }
  return undefined;
}

/**
 * The counts of a run: from the report file (JUnit when it looks like XML, else TAP; `format`
 * forces one), else from the output's closing lines, else undefined.
 */
export function summarizeTests(input: { report?: string; output: string; format?: 'auto' | 'junit' | 'tap' | 'text' }): TestCounts | undefined {
  const format = input.format ?? 'auto';
  const report = input.report?.trim() ? input.report : undefined;
  if (report && format !== 'text') {
    const xml = format === 'junit' || (format === 'auto' && report.trimStart().startsWith('<'));
    const fromReport = xml ? parseJUnit(report) : parseTap(report);
    if (fromReport) return fromReport;
  }
  if (format === 'tap' && !report) return parseTap(input.output) ?? parseClosingLine(input.output);
  return parseClosingLine(input.output) ?? (format === 'auto' ? parseTap(input.output) : undefined);
}

/** One line for the status and the commit status, e.g. `2 passed, 1 failed, 0 skipped (junit)`. */
export function describeCounts(c: TestCounts | undefined): string {
  if (!c) return 'no test counts found (no report file and no closing line recognised)';
  return `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${c.format})`;
}
