/** Outcome of one readiness check. */
export interface CheckResult {
  ok: boolean;
  message: string;
}

/** A named readiness check; it should answer quickly (use a cached probe for remote calls). */
export type ReadinessCheck = () => Promise<CheckResult> | CheckResult;

/**
 * The set of checks behind `/readyz`: the operator is ready only when every check passes (caches
 * synced, leadership settled, apiserver reachable). Components register their own check.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  /** Adds or replaces the check called `name`. */
  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Runs every check; a check that throws counts as failed with its error message. */
  async evaluate(): Promise<{ ready: boolean; checks: Array<{ name: string } & CheckResult> }> {
    const names = [...this.checks.keys()].sort();
    const checks = await Promise.all(
      names.map(async (name) => {
        try {
          const r = await this.checks.get(name)!();
          return { name, ok: r.ok, message: r.message };
        } catch (err) {
          return { name, ok: false, message: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    return { ready: checks.length > 0 && checks.every((c) => c.ok), checks };
  }
}
