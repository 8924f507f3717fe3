// Typed errors for policy loading. Parse errors (malformed HuJSON) live in hujson.ts.

/** One thing wrong with a policy: where (JSON path and line), what, and how to fix it. */
export interface PolicyProblem {
  /** JSON path of the offending value, e.g. `acls[2].dst[0]` or `groups["group:ops"][1]`. */
  readonly path: string;
  /** 1-based line of the value (or its nearest enclosing value) when known. */
  readonly line?: number;
  /** What is wrong, naming the value. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
}

/** Renders a problem as `path (line N): message — fix`. */
export function formatProblem(p: PolicyProblem): string {
  const where = p.line === undefined ? p.path : `${p.path} (line ${p.line})`;
  return `${where}: ${p.message} — ${p.fix}`;
}

function summarize(problems: readonly PolicyProblem[]): string {
  const n = problems.length;
  return `policy is invalid (${n} problem${n === 1 ? '' : 's'}):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
}

/**
 * A syntactically valid policy that Headscale would reject (or that references things it does
 * not define). Carries every problem found, not just the first.
 */
export class PolicyValidationError extends Error {
  constructor(readonly problems: readonly PolicyProblem[]) {
    super(summarize(problems));
    this.name = 'PolicyValidationError';
  }
}

/** One failed assertion from the policy's `tests` section. */
export interface PolicyTestFailure {
  /** JSON path of the test entry or destination, e.g. `tests[0].deny[1]`. */
  readonly path: string;
  readonly line?: number;
  /** `src → dst: expected ALLOWED, got DENIED (…)` or a resolution error. */
  readonly message: string;
}

/** The policy parsed and validated, but its own `tests` section failed; it is not loaded. */
export class PolicyTestError extends Error {
  constructor(readonly failures: readonly PolicyTestFailure[]) {
    const n = failures.length;
    const lines = failures.map((f) => `  ${f.path}${f.line === undefined ? '' : ` (line ${f.line})`}: ${f.message}`);
    super(`policy tests failed (${n} failure${n === 1 ? '' : 's'}) — fix the rules or the tests:\n${lines.join('\n')}`);
    this.name = 'PolicyTestError';
  }
}
