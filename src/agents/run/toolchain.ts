import { glob, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepLog } from './shell.js';
import { runShell } from './shell.js';
import { countsText, summarizeLint, summarizeTests, type RunSummary } from './summary.js';

/** Where test runners commonly write JUnit XML (read after the test commands; bounded). */
export const JUNIT_PATTERNS = ['junit.xml', '**/junit*.xml', 'test-results/**/*.xml', 'reports/**/*.xml', 'target/surefire-reports/*.xml'];
const MAX_REPORTS = 20;
const MAX_REPORT_BYTES = 5 * 1024 * 1024;

/** Each lint or test command's time limit. */
export const TOOLCHAIN_TIMEOUT_MS = 20 * 60_000;

export interface CheckSummary {
  ok: boolean;
  /** One line for status.lastRun, e.g. "passed (2 commands)" or "npm test: exit code 1 — 1 failed, 12 passed (jest)". */
  summary: string;
  /** Counts, first failures, first lint errors (status.lastRun.tests/failures/lintErrors). */
  details?: RunSummary;
}

export interface ToolchainResult {
  ok: boolean;
  lint?: CheckSummary;
  test?: CheckSummary;
  /** What failed and its output's tail (the next attempt's input and the change's comment). */
  diagnostics: string;
}

/** The closing line a test runner prints, when there is one ("Tests: 1 failed, 3 passed, 4 total"). */
export function closingLine(output: string): string | undefined {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 40; i--) {
    const l = lines[i]!;
    if (/\b\d+ (passed|failed|passing|failing|errors?|problems?|warnings?)\b/i.test(l)) return l.slice(0, 300);
  }
  return lines.at(-1)?.slice(0, 300);
}

/** JUnit XML reports the test commands left in the repository (newest run only: read right after it). */
export async function readJUnitReports(cwd: string, since: number): Promise<string[]> {
  const out: string[] = [];
  for await (const rel of glob(JUNIT_PATTERNS, { cwd, exclude: (p: string) => p.includes('node_modules') || p.startsWith('.git') })) {
    if (out.length >= MAX_REPORTS) break;
    const file = join(cwd, rel);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile() || st.size > MAX_REPORT_BYTES || st.mtimeMs < since) continue;
    out.push(await readFile(file, 'utf8'));
  }
  return out;
}

/** The failures and lint errors first, then the output's tail: what the next attempt reads. */
function failureText(o: { kind: 'lint' | 'test'; command: string; why: string; output: string }, d: RunSummary): string {
  const head = [`${o.kind} command \`${o.command}\` failed (${o.why}).`];
  if (d.failures.length) head.push('Failing tests:', ...d.failures.map((f) => `- ${f.name}${f.location ? ` (${f.location})` : ''}${f.message ? `: ${f.message}` : ''}`));
  if (d.lintErrors.length) head.push('Lint errors:', ...d.lintErrors.map((e) => `- ${e.location}: ${e.message}`));
  return `${head.join('\n')}\nOutput (tail):\n${o.output.slice(-6000)}`;
}

async function runGroup(kind: 'lint' | 'test', commands: string[], cwd: string, log: StepLog): Promise<{ summary: CheckSummary; failure?: string }> {
  let last: RunSummary | undefined;
  for (const command of commands) {
    log(`${kind}: ${command}`);
    const started = Date.now() - 1000;
    const r = await runShell(command, { cwd, log, timeoutMs: TOOLCHAIN_TIMEOUT_MS });
    const d = kind === 'lint' ? summarizeLint(r.output) : summarizeTests(r.output, await readJUnitReports(cwd, started).catch(() => []));
    if (r.exitCode !== 0) {
      const why = r.timedOut ? `timed out after ${TOOLCHAIN_TIMEOUT_MS / 60_000} min` : `exit code ${r.exitCode}`;
      const said = countsText(d) ?? closingLine(r.output);
      return {
        summary: { ok: false, summary: `${command}: ${why}${said ? ` — ${said}` : ''}`.slice(0, 4096), details: d },
        failure: failureText({ kind, command, why, output: r.output }, d),
      };
    }
    if (d.counts) last = d;
    log(`${kind}: ${command} passed in ${(r.durationMs / 1000).toFixed(1)} s`);
  }
  const counts = last ? countsText(last) : undefined;
  return { summary: { ok: true, summary: `passed (${commands.length} command${commands.length === 1 ? '' : 's'})${counts ? ` — ${counts}` : ''}`, ...(last ? { details: last } : {}) } };
}

/** Runs the lint commands, then the test commands; stops at the first failure. */
export async function runToolchain(t: { lint: string[]; test: string[] }, cwd: string, log: StepLog): Promise<ToolchainResult> {
  const out: ToolchainResult = { ok: true, diagnostics: '' };
  if (t.lint.length) {
    const lint = await runGroup('lint', t.lint, cwd, log);
    out.lint = lint.summary;
    if (lint.failure) return { ...out, ok: false, diagnostics: lint.failure };
  }
  if (t.test.length) {
    const test = await runGroup('test', t.test, cwd, log);
    out.test = test.summary;
    if (test.failure) return { ...out, ok: false, diagnostics: test.failure };
  }
  return out;
}
