import { findCondition, isTrue, setCondition, setConditions } from './conditions.js';

const t0 = new Date('2026-11-24T10:00:00.000Z');
const t1 = new Date('2026-11-24T10:05:00.000Z');

describe('setCondition (metav1 semantics)', () => {
  it('adds a condition with the transition time, without milliseconds, and the generation', () => {
    const c = setCondition([], { type: 'Ready', status: 'True', reason: 'HeartbeatFresh', message: 'ok' }, { now: t0, generation: 3 });
    expect(c).toEqual([{ type: 'Ready', status: 'True', reason: 'HeartbeatFresh', message: 'ok', lastTransitionTime: '2026-11-24T10:00:00Z', observedGeneration: 3 }]);
  });

  it('keeps lastTransitionTime when only reason or message change', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'NoHeartbeat', message: 'x' }, { now: t0 });
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'HeartbeatTimeout', message: 'y' }, { now: t1, generation: 2 });
    expect(b[0]).toMatchObject({ reason: 'HeartbeatTimeout', message: 'y', lastTransitionTime: '2026-11-24T10:00:00Z', observedGeneration: 2 });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'R', message: '' }, { now: t0 });
    const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'R', message: '' }, { now: t1 });
    expect(b[0]!.lastTransitionTime).toBe('2026-11-24T10:05:00Z');
  });

  it('keeps other conditions, sorted by type, and does not mutate its input', () => {
    const a = setConditions(
      [],
      [
        { type: 'Ready', status: 'True', reason: 'A', message: '' },
        { type: 'CapacityReported', status: 'True', reason: 'B', message: '' },
      ],
      { now: t0 },
    );
    const frozen = JSON.stringify(a);
    const b = setCondition(a, { type: 'MeshConnected', status: 'False', reason: 'C', message: '' }, { now: t1 });
    expect(b.map((c) => c.type)).toEqual(['CapacityReported', 'MeshConnected', 'Ready']);
    expect(JSON.stringify(a)).toBe(frozen);
    expect(findCondition(b, 'MeshConnected')?.status).toBe('False');
    expect(isTrue(b, 'Ready')).toBe(true);
    expect(isTrue(b, 'Missing')).toBe(false);
  });
});
