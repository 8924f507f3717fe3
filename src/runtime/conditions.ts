/** A status condition in metav1.Condition shape. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase, machine-readable. */
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** What a controller wants a condition to say; the helper fills in times and generation. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/** The condition of `type`, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Is the condition of `type` present with status True? */
export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Returns a new list with `input` set, with metav1 semantics: `lastTransitionTime` changes only when
 * the status changes (a new reason or message keeps it), `observedGeneration` is the generation the
 * controller acted on, and the list stays sorted by type so status diffs are stable.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  opts: { now: Date; generation?: number },
): Condition[] {
  const existing = findCondition(conditions, input.type);
  const lastTransitionTime =
    existing && existing.status === input.status ? existing.lastTransitionTime : opts.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: Condition = { ...input, lastTransitionTime, ...(opts.generation !== undefined ? { observedGeneration: opts.generation } : {}) };
  return [...(conditions ?? []).filter((c) => c.type !== input.type), next].sort((a, b) => a.type.localeCompare(b.type));
}

/** Applies several condition inputs at once. */
export function setConditions(
  conditions: readonly Condition[] | undefined,
  inputs: ConditionInput[],
  opts: { now: Date; generation?: number },
): Condition[] {
  return inputs.reduce<Condition[]>((acc, c) => setCondition(acc, c, opts), [...(conditions ?? [])]);
}
