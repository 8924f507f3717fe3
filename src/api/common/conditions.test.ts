import { ConditionError, findCondition, isFalse, isTrue, metaTime, removeCondition, setCondition, setConditions, type Condition, type ConditionInput } from './conditions.js';

const t0 = new Date('2026-11-24T10:00:00.123Z');
const t1 = new Date('2026-11-24T10:05:00.000Z');
const ready = (status: Condition['status'], reason = 'R', message = ''): ConditionInput => ({ type: 'Ready', status, reason, message });

describe('setCondition (metav1 semantics)', () => {
  it.each<[string, Condition[], ConditionInput, number | undefined, Partial<Condition>]>([
    ['adds a new condition at now, whole seconds', [], ready('True', 'HeartbeatFresh', 'ok'), 3, { lastTransitionTime: '2026-11-24T10:05:00Z', observedGeneration: 3 }],
    [
      'keeps lastTransitionTime when only the reason changes',
      setCondition([], ready('False', 'NoHeartbeat'), { now: t0 }),
      ready('False', 'HeartbeatTimeout', 'late'),
      2,
      { reason: 'HeartbeatTimeout', message: 'late', lastTransitionTime: '2026-11-24T10:00:00Z', observedGeneration: 2 },
    ],
    ['moves lastTransitionTime when the status changes', setCondition([], ready('False'), { now: t0 }), ready('True'), undefined, { status: 'True', lastTransitionTime: '2026-11-24T10:05:00Z' }],
    ['moves it from Unknown too', setCondition([], ready('Unknown'), { now: t0 }), ready('False'), 1, { lastTransitionTime: '2026-11-24T10:05:00Z' }],
    ['updates observedGeneration without a transition', setCondition([], ready('True'), { now: t0, generation: 1 }), ready('True'), 5, { lastTransitionTime: '2026-11-24T10:00:00Z', observedGeneration: 5 }],
  ])('%s', (_name, before, input, generation, want) => {
    const after = setCondition(before, input, { now: t1, ...(generation !== undefined ? { generation } : {}) });
    expect(findCondition(after, 'Ready')).toMatchObject({ ...input, ...want });
    expect(after).toHaveLength(1);
  });

  it('is idempotent: the same input twice gives an equal list', () => {
    const a = setCondition([], ready('True', 'Ok', 'fine'), { now: t0, generation: 1 });
    expect(setCondition(a, ready('True', 'Ok', 'fine'), { now: t1, generation: 1 })).toEqual(a);
  });

  it('keeps other conditions, sorted by type, and does not mutate its input', () => {
    const a = setConditions([], [ready('True', 'A'), { type: 'CapacityReported', status: 'True', reason: 'B', message: '' }], { now: t0 });
    const frozen = JSON.stringify(a);
    const b = setCondition(a, { type: 'MeshConnected', status: 'False', reason: 'C', message: '' }, { now: t1 });
    expect(b.map((c) => c.type)).toEqual(['CapacityReported', 'MeshConnected', 'Ready']);
    expect(JSON.stringify(a)).toBe(frozen);
    expect(isTrue(b, 'Ready')).toBe(true);
    expect(isFalse(b, 'MeshConnected')).toBe(true);
    expect(isTrue(b, 'Missing')).toBe(false);
    expect(isFalse(b, 'Missing')).toBe(false);
    expect(removeCondition(b, 'MeshConnected').map((c) => c.type)).toEqual(['CapacityReported', 'Ready']);
  });

  it('truncates messages longer than the apiserver allows', () => {
    const [c] = setCondition([], ready('True', 'R', 'x'.repeat(40000)), { now: t0 });
    expect(c!.message).toHaveLength(32768);
  });

  it.each<[string, ConditionInput, RegExp]>([
    ['a reason with a space', ready('True', 'Not ready'), /condition reason "Not ready" is invalid: use a CamelCase word/],
    ['an empty reason', ready('True', ''), /condition reason "" is invalid/],
    ['a type with a space', { ...ready('True'), type: 'Is Ready' }, /condition type "Is Ready" is invalid/],
    ['a lower-case status', { ...ready('True'), status: 'true' as never }, /condition status "true" is invalid: use True, False or Unknown/],
  ])('rejects %s, naming the value', (_name, input, msg) => {
    expect(() => setCondition([], input, { now: t0 })).toThrow(ConditionError);
    expect(() => setCondition([], input, { now: t0 })).toThrow(msg);
  });

  it('formats metav1.Time', () => expect(metaTime(t0)).toBe('2026-11-24T10:00:00Z'));
  it('finds nothing in undefined', () => expect(findCondition(undefined, 'Ready')).toBeUndefined());
});
