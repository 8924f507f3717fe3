import type { StepLog } from './shell.js';
import { runShell } from './shell.js';

/** Each lint or test command's time limit. */
export const TOOLCHAIN_TIMEOUT_MS = 20 * 60_000;

export interface CheckSummary {
  ok: boolean;
  /** One line for status.lastRun, e.g. "passed (2 commands)" or "npm test: exit code 1 — 1 failed, 12 passed". */
  summary: string;
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

async function runGroup(kind: 'lint' | 'test', commands: string[], cwd: string, log: StepLog): Promise<{ summary: CheckSummary; failure?: string }> {
  for (const command of commands) {
    log(`${kind}: ${command}`);
    const r = await runShell(command, { cwd, log, timeoutMs: TOOLCHAIN_TIMEOUT_MS });
    if (r.exitCode !== 0) {
      const why = r.timedOut ? `timed out after ${TOOLCHAIN_TIMEOUT_MS / 60_000} min` : `exit code ${r.exitCode}`;
      const last = closingLine(r.output);
      return {
        summary: { ok: false, summary: `${command}: ${why}${last ? ` — ${last}` : ''}`.slice(0, 4096) },
        failure: `${kind} command \`${command}\` failed (${why}). Output (tail):\n${r.output.slice(-6000)}`,
      };
    }
    log(`${kind}: ${command} passed in ${(r.durationMs / 1000).toFixed(1)} s`);
  }
  return { summary: { ok: true, summary: `passed (${commands.length} command${commands.length === 1 ? '' : 's'})` } };
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
