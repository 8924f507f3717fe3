import { parseWeftPolicy } from './weft-policy.js';
import { chargeOf, quotaViolation, UsageLedger, type Charge } from './quota.js';

const charge = (over: Partial<Charge> = {}): Charge => ({ kind: 'Workload', org: 'acme', cpuMilli: 1000, memoryBytes: 2 ** 30, gpu: 0, ...over });

describe('chargeOf', () => {
  it('reads resources with the schema defaults, naming a bad field', () => {
    expect(chargeOf('Workload', { spec: { org: 'acme', resources: { cpu: '1500m', memory: '2Gi', gpu: 2 } } } as never)).toEqual(charge({ cpuMilli: 1500, memoryBytes: 2 * 2 ** 30, gpu: 2 }));
    expect(chargeOf('Job', { spec: { org: 'acme', quotaClass: 'batch' } } as never)).toEqual({ kind: 'Job', org: 'acme', quotaClass: 'batch', cpuMilli: 100, memoryBytes: 128 * 2 ** 20, gpu: 0 });
    expect(() => chargeOf('Workload', { spec: { org: 'a', resources: { cpu: 'x' } } } as never)).toThrow(/^spec\.resources\.cpu: "x" is not a Kubernetes quantity/);
  });
});

describe('UsageLedger', () => {
  it('sums per org and per class, and leaves out the object being updated', () => {
    const l = new UsageLedger();
    l.observe('Workload/ns/a', charge({ gpu: 2 }));
    l.observe('Workload/ns/b', charge({ gpu: 1, quotaClass: 'batch' }));
    l.observe('Job/ns/c', charge({ kind: 'Job', gpu: 1 }));
    l.observe('Workload/ns/other', charge({ org: 'beta', gpu: 5 }));
    expect(l.usage('acme')).toEqual({ cpuMilli: 3000, memoryBytes: 3 * 2 ** 30, gpu: 4, workloads: 2, jobs: 1 });
    expect(l.usage('acme', 'batch')).toMatchObject({ gpu: 1, workloads: 1 });
    expect(l.usage('acme', undefined, 'Workload/ns/a')).toMatchObject({ gpu: 2, workloads: 1 });
    l.observe('Workload/ns/a', undefined); // finished
    expect(l.usage('acme')).toMatchObject({ gpu: 2, workloads: 1 });
  });

  it('counts admitted objects until the cache sees them, and forgets those it never sees', () => {
    let now = 0;
    const l = new UsageLedger(() => now);
    l.assume('Workload/ns/x', charge({ gpu: 4 }), 1000);
    expect(l.usage('acme').gpu).toBe(4);
    l.observe('Workload/ns/x', charge({ gpu: 4 })); // seen: no double count
    l.assume('Workload/ns/x', charge({ gpu: 4 }), 1000); // an update admitted: the cache stays authoritative
    expect(l.usage('acme').gpu).toBe(4);
    l.assume('Workload/ns/denied-later', charge({ gpu: 2 }), 1000);
    now = 2000;
    expect(l.usage('acme').gpu).toBe(4);
    expect(l.size).toBe(1);
  });
});

describe('quotaViolation', () => {
  const policy = parseWeftPolicy('orgs: { acme: { quota: { cpu: "4", memory: 8Gi, gpu: 8, workloads: 3, jobs: 1 }, classes: { batch: { gpu: 2 } } } }');
  const used = (u: Partial<Record<'cpuMilli' | 'memoryBytes' | 'gpu' | 'workloads' | 'jobs', number>>) => () => ({ cpuMilli: 0, memoryBytes: 0, gpu: 0, workloads: 0, jobs: 0, ...u });
  it.each([
    [charge({ gpu: 4 }), used({ gpu: 6 }), 'org acme: gpu 4 requested, 6 of 8 used'],
    [charge({ cpuMilli: 1500 }), used({ cpuMilli: 3000 }), 'org acme: cpu 1500m requested, 3 of 4 used'],
    [charge({ memoryBytes: 2 * 2 ** 30 }), used({ memoryBytes: 7 * 2 ** 30 }), 'org acme: memory 2Gi requested, 7Gi of 8Gi used'],
    [charge(), used({ workloads: 3 }), 'org acme: workloads 1 requested, 3 of 3 used'],
    [charge({ kind: 'Job' }), used({ jobs: 1 }), 'org acme: jobs 1 requested, 1 of 1 used'],
    [charge({ gpu: 3, quotaClass: 'batch' }), used({}), 'org acme, quota class batch: gpu 3 requested, 0 of 2 used'],
  ])('%o with %p → %s', (c, u, message) => expect(quotaViolation(policy, c, u)).toBe(message));

  it('allows what fits exactly, orgs without an entry, and unknown classes', () => {
    expect(quotaViolation(policy, charge({ gpu: 2 }), used({ gpu: 6 }))).toBeUndefined();
    expect(quotaViolation(policy, charge({ org: 'beta', gpu: 100 }), used({}))).toBeUndefined();
    expect(quotaViolation(policy, charge({ quotaClass: 'none' }), used({}))).toBeUndefined();
    expect(quotaViolation(policy, charge({ kind: 'Job' }), used({ workloads: 3 }))).toBeUndefined(); // workloads limit is not for Jobs
  });
});
