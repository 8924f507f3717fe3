import { pino } from 'pino';
import { EventRecorder } from './events.js';
import type { RestClient } from './rest.js';

/** A RestClient whose writes wait until `release()`; it records what was sent. */
function fakeRest() {
  const sent: Array<{ verb: 'create' | 'patch'; body: Record<string, unknown> }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => undefined;
  const write = async (verb: 'create' | 'patch', body: Record<string, unknown>) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await gate;
    inFlight--;
    if (body.reason === 'Boom') throw new Error('apiserver said no');
    sent.push({ verb, body });
    return body;
  };
  const rest = {
    create: (_t: unknown, body: Record<string, unknown>) => write('create', body),
    patch: (_t: unknown, _ref: unknown, body: Record<string, unknown>) => write('patch', body),
  } as unknown as RestClient;
  return {
    rest,
    sent,
    maxInFlight: () => maxInFlight,
    hold: () => {
      gate = new Promise((r) => (open = r));
    },
    release: () => open(),
  };
}

const obj = (name: string) => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { name, namespace: 'team', uid: `uid-${name}` } });

describe('EventRecorder', () => {
  it('returns at once and writes the queued events one at a time, in order', async () => {
    const f = fakeRest();
    const rec = new EventRecorder(f.rest, 'workload', pino({ level: 'silent' }));
    f.hold();
    for (let i = 0; i < 5; i++) await rec.record(obj(`w-${i}`), 'Normal', 'Scheduled', `placed w-${i}`);
    expect(f.sent).toHaveLength(0); // nothing written while the apiserver is slow, and record() did not wait
    f.release();
    await rec.flush();
    expect(f.sent.map((s) => s.body.note)).toEqual([0, 1, 2, 3, 4].map((i) => `placed w-${i}`));
    expect(f.maxInFlight()).toBe(1);
    expect(f.sent[0]!.body).toMatchObject({ reason: 'Scheduled', type: 'Normal', reportingController: 'weft.dev/workload', regarding: { kind: 'Workload', name: 'w-0', uid: 'uid-w-0' } });
  });

  it('turns a repeat into a series count, and a failed write does not stop the others', async () => {
    const f = fakeRest();
    const rec = new EventRecorder(f.rest, 'workload', pino({ level: 'silent' }));
    await rec.record(obj('a'), 'Warning', 'FailedScheduling', '0/3 candidates available');
    await rec.record(obj('a'), 'Warning', 'Boom', 'this write fails');
    await rec.record(obj('a'), 'Warning', 'FailedScheduling', '0/3 candidates available');
    await rec.flush();
    expect(f.sent.map((s) => s.verb)).toEqual(['create', 'patch']);
    expect(f.sent[1]!.body).toMatchObject({ series: { count: 2 } });
  });

  it('drops events past its queue bound instead of growing without end', async () => {
    const f = fakeRest();
    const rec = new EventRecorder(f.rest, 'workload', pino({ level: 'silent' }));
    f.hold();
    for (let i = 0; i < 1_200; i++) await rec.record(obj(`w-${i}`), 'Normal', 'Scheduled', `n${i}`);
    f.release();
    await rec.flush();
    // The first is taken off the queue at once; 1,000 more wait; the rest are dropped.
    expect(f.sent).toHaveLength(1_001);
    expect(f.sent.at(-1)!.body.note).toBe('n1000');
  });
});
