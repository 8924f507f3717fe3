/** spec.dependsOn: which dependencies keep a task from starting, in words. */

/** A dependency as the cache has it. */
export interface DependencyView {
  name: string;
  phase?: string;
  outcome?: string;
}

/**
 * Why the task may not start yet (undefined: every dependency Succeeded). `deps[i]` is `names[i]`
 * as the cache has it (undefined: not found).
 */
export function blockedBy(names: readonly string[], deps: ReadonlyArray<DependencyView | undefined>): { reason: 'WaitingForDependency' | 'DependencyFailed'; message: string } | undefined {
  const open = names.map((name, i) => ({ name, d: deps[i] })).filter(({ d }) => d?.phase !== 'Succeeded');
  if (open.length === 0) return undefined;
  const what = ({ name, d }: { name: string; d: DependencyView | undefined }) => `${name} (${d ? `${d.phase ?? 'Pending'}${d.outcome ? `, ${d.outcome}` : ''}` : 'not found'})`;
  const failed = open.filter(({ d }) => d?.phase === 'Failed');
  if (failed.length) return { reason: 'DependencyFailed', message: `a dependency failed: ${open.map(what).join(', ')}; fix it, or remove it from spec.dependsOn` };
  return { reason: 'WaitingForDependency', message: `waits for ${open.map(what).join(', ')} to succeed (change merged)` };
}
