import { parseWeftPolicy } from './weft-policy.js';
import { chargeOf, quotaViolation, standingCharge, UsageLedger, type Charge, type ChargedKind } from './quota.js';

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

/** An AgentTask or Job runs through a Workload it owns: its resources are charged once, on that Workload. */
describe('charged once: owners and owned Workloads', () => {
  const policy = parseWeftPolicy('orgs: { acme: { quota: { gpu: 8, workloads: 2, jobs: 2 } } }');
  const job = { apiVersion: 'weft.dev/v1alpha1', kind: 'Job', metadata: { name: 'train', namespace: 'ml', uid: 'j-1' }, spec: { org: 'acme', template: 'ml-batch', resources: { gpu: 4 } } };
  const ownedBy = (kind: string, apiVersion = 'weft.dev/v1alpha1') => ({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Workload',
    metadata: { name: 'train-run', namespace: 'ml', ownerReferences: [{ apiVersion, kind, name: 'train', uid: 'j-1', controller: true }] },
    spec: { org: 'acme', template: {}, resources: { gpu: 4 } },
  });
  /** Admission and the caches as the webhook feeds them: the standing charge of each object. */
  const ledgerWith = (...objs: Array<[ChargedKind, { metadata: { name: string } }]>) => {
    const l = new UsageLedger();
    for (const [kind, o] of objs) l.observe(`${kind}/ml/${o.metadata.name}`, standingCharge(chargeOf(kind, o as never)));
    return l;
  };

  it('a Job and the Workload it owns charge the GPUs once and count once (in jobs)', () => {
    const l = ledgerWith(['Job', job], ['Workload', ownedBy('Job')]);
    expect(l.usage('acme')).toEqual({ cpuMilli: 100, memoryBytes: 128 * 2 ** 20, gpu: 4, workloads: 0, jobs: 1 });
  });

  it('a Job alone holds only its count: its resources are charged when its Workload exists', () => {
    expect(ledgerWith(['Job', job]).usage('acme')).toMatchObject({ gpu: 0, jobs: 1, workloads: 0 });
    expect(standingCharge(chargeOf('Job', job as never))).toMatchObject({ kind: 'Job', gpu: 0, cpuMilli: 0, memoryBytes: 0 });
  });

  it('a Job is still checked against the quota with its resources when it is created', () => {
    const l = ledgerWith(['Job', job], ['Workload', ownedBy('Job')]);
    const bigger = chargeOf('Job', { ...job, metadata: { ...job.metadata, name: 'big' }, spec: { ...job.spec, resources: { gpu: 5 } } } as never);
    expect(quotaViolation(policy, bigger, (c) => l.usage('acme', c))).toBe('org acme: gpu 5 requested, 4 of 8 used');
  });

  it('a Workload owned by a Job is not held to the workloads count; its resources are', () => {
    const full = ledgerWith(['Workload', { ...ownedBy('AgentTask'), metadata: { name: 'a' } }], ['Workload', { ...ownedBy('AgentTask'), metadata: { name: 'b' } }]);
    expect(full.usage('acme')).toMatchObject({ workloads: 2, gpu: 8 });
    const owned = chargeOf('Workload', ownedBy('Job') as never);
    expect(owned.countedBy).toBe('Job');
    expect(quotaViolation(policy, { ...owned, gpu: 0 }, (c) => full.usage('acme', c))).toBeUndefined();
    expect(quotaViolation(policy, owned, (c) => full.usage('acme', c))).toBe('org acme: gpu 4 requested, 8 of 8 used');
  });

  it('counts a Workload owned by an AgentTask, by a Kubernetes batch/v1 Job, or not as controller, in workloads', () => {
    expect(chargeOf('Workload', ownedBy('AgentTask') as never).countedBy).toBeUndefined();
    expect(chargeOf('Workload', ownedBy('Job', 'batch/v1') as never).countedBy).toBeUndefined();
    const notController = { ...ownedBy('Job'), metadata: { name: 'x', namespace: 'ml', ownerReferences: [{ apiVersion: 'weft.dev/v1alpha1', kind: 'Job', name: 'train', uid: 'j-1' }] } };
    expect(chargeOf('Workload', notController as never).countedBy).toBeUndefined();
    expect(quotaViolation(policy, chargeOf('Workload', ownedBy('AgentTask') as never), () => ({ cpuMilli: 0, memoryBytes: 0, gpu: 0, workloads: 2, jobs: 0 }))).toBe('org acme: workloads 1 requested, 2 of 2 used');
  });

  it('finishing or deleting the owned Workload gives its resources back; the Job keeps its count', () => {
    const l = ledgerWith(['Job', job], ['Workload', ownedBy('Job')]);
    l.observe('Workload/ml/train-run', undefined);
    expect(l.usage('acme')).toMatchObject({ gpu: 0, jobs: 1, workloads: 0 });
  });
});
