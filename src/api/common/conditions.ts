/**
 * Status conditions in metav1.Condition shape, shared by every kind (`status.conditions`, a list
 * keyed by `type`). The helpers follow metav1 semantics: `lastTransitionTime` moves only when the
 * status changes, `observedGeneration` records the generation acted on, and the list stays sorted
 * by type so that status diffs are stable and unchanged status is not rewritten.
 */

import type { Condition } from './types.js';

/** A status condition in metav1.Condition shape (generated from src/api/common/defs.yaml). */
export type { Condition };

/** What a controller wants a condition to say; the helper fills in times and generation. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/** metav1.Condition's rules, also in the CRD schemas (src/api/common/defs.yaml). */
export const CONDITION_TYPE_PATTERN = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
export const CONDITION_REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
export const CONDITION_MESSAGE_MAX_LENGTH = 32768;

/** A condition the apiserver would reject (a programming error in a controller: fix the constant). */
export class ConditionError extends Error {
  constructor(field: 'type' | 'reason' | 'status', value: unknown, allowed: string) {
    super(`condition ${field} ${JSON.stringify(value)} is invalid: ${allowed}`);
    this.name = 'ConditionError';
  }
}

/** Options of setCondition: the clock, and the metadata.generation being acted on. */
export interface SetConditionOptions {
  now: Date;
  generation?: number;
}

/** The condition of `type`, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Is the condition of `type` present with status True? */
export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** Is the condition of `type` present with status False? (Absent is neither true nor false.) */
export function isFalse(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'False';
}

/** metav1.Time: RFC 3339 with whole seconds, as the apiserver stores it. */
export function metaTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function checkInput(input: ConditionInput): void {
  if (!CONDITION_TYPE_PATTERN.test(input.type) || input.type.length > 316) {
    throw new ConditionError('type', input.type, 'use a CamelCase word of at most 316 characters, e.g. Ready');
  }
  if (!['True', 'False', 'Unknown'].includes(input.status)) throw new ConditionError('status', input.status, 'use True, False or Unknown');
  if (!CONDITION_REASON_PATTERN.test(input.reason) || input.reason.length > 1024) {
    throw new ConditionError('reason', input.reason, 'use a CamelCase word (letters, digits, "_", "," or ":"), e.g. HeartbeatTimeout');
  }
}

/**
 * Returns a new list with `input` set, with metav1 semantics: `lastTransitionTime` changes only when
 * the status changes (a new reason or message keeps it), `observedGeneration` is the generation the
 * controller acted on, and the list stays sorted by type so status diffs are stable. Messages longer
 * than the apiserver allows are truncated. Throws a ConditionError for a type or reason the
 * apiserver would reject.
 * @example setCondition(node.status?.conditions, { type: 'Ready', status: 'True', reason: 'HeartbeatFresh', message: 'ok' }, { now: new Date(), generation: node.metadata.generation })
 */
export function setCondition(conditions: readonly Condition[] | undefined, input: ConditionInput, opts: SetConditionOptions): Condition[] {
  checkInput(input);
  const existing = findCondition(conditions, input.type);
  const lastTransitionTime = existing && existing.status === input.status ? existing.lastTransitionTime : metaTime(opts.now);
  const message = input.message.length > CONDITION_MESSAGE_MAX_LENGTH ? `${input.message.slice(0, CONDITION_MESSAGE_MAX_LENGTH - 1)}…` : input.message;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message,
    lastTransitionTime,
    ...(opts.generation !== undefined ? { observedGeneration: opts.generation } : {}),
  };
  return [...(conditions ?? []).filter((c) => c.type !== input.type), next].sort((a, b) => a.type.localeCompare(b.type));
}

/** Applies several condition inputs at once (in order; a later input of the same type wins). */
export function setConditions(conditions: readonly Condition[] | undefined, inputs: ConditionInput[], opts: SetConditionOptions): Condition[] {
  return inputs.reduce<Condition[]>((acc, c) => setCondition(acc, c, opts), [...(conditions ?? [])]);
}

/** Returns a new list without the condition of `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
