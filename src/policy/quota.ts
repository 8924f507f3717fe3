/**
 * Quota accounting for admission: what each org's admitted Workloads and Jobs use, and whether one
 * more fits its `weft-policy` limits. Usage comes from the informer caches plus the objects admitted
 * in the last moments that the caches have not seen yet, so a burst of creations cannot slip past
 * the limit between two cache updates.
 *
 * **Charged once.** An AgentTask or Job runs through a Workload it owns (ownerReference with
 * `controller: true`). Resources are charged on that Workload, which holds them (placement binds it,
 * and it frees them when it finishes), never on its owner as well: what stays in the ledger for a
 * Job is its count in `jobs` (`standingCharge`). The Job's admission still checks its resources
 * against the quota, so a Job that cannot fit is refused when it is created, not later. A Workload
 * owned by a Job does not count in `workloads` (its Job counts in `jobs`); one owned by an AgentTask
 * does (AgentTasks have no count of their own).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { formatBytes, formatCpu, quantityUnits } from '../api/common/quantity.js';
import { ResourceRequestDefaults } from '../api/common/types.js';
import type { QuotaLimits, WeftPolicy } from './weft-policy.js';

export type ChargedKind = 'Workload' | 'Job';

/** What one admitted object counts against its org (and quota class). */
export interface Charge {
  kind: ChargedKind;
  org: string;
  quotaClass?: string;
  cpuMilli: number;
  memoryBytes: number;
  gpu: number;
  /** For a Workload owned by a Job: the owner whose count stands for it (it adds nothing to `workloads`). */
  countedBy?: 'Job';
}

export interface Usage {
  cpuMilli: number;
  memoryBytes: number;
  gpu: number;
  workloads: number;
  jobs: number;
}

const ZERO: Usage = { cpuMilli: 0, memoryBytes: 0, gpu: 0, workloads: 0, jobs: 0 };

/** Kinds whose count stands for the Workload they own (and control). */
const COUNTED_OWNERS = new Set<string>(['Job']);

type Charged = KubernetesObject & {
  spec?: { org?: string; quotaClass?: string; resources?: { cpu?: string | number; memory?: string | number; gpu?: number } };
  status?: { phase?: string };
};

/** The charge of a Workload or Job (schema defaults: cpu 100m, memory 128Mi, gpu 0). */
export function chargeOf(kind: ChargedKind, obj: KubernetesObject): Charge {
  const o = obj as Charged;
  const r = o.spec?.resources ?? {};
  return {
    kind,
    org: o.spec?.org ?? '',
    ...(o.spec?.quotaClass ? { quotaClass: o.spec.quotaClass } : {}),
    cpuMilli: quantityUnits(r.cpu ?? ResourceRequestDefaults.cpu, 1000, 'spec.resources.cpu'),
    memoryBytes: quantityUnits(r.memory ?? ResourceRequestDefaults.memory, 1, 'spec.resources.memory'),
    gpu: r.gpu ?? ResourceRequestDefaults.gpu,
    ...(kind === 'Workload' && countingOwner(obj) ? { countedBy: 'Job' as const } : {}),
  };
}

/** The kind of `obj`'s controller owner when that owner's count stands for it (a Job), else undefined. */
function countingOwner(obj: KubernetesObject): string | undefined {
  const owner = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  return owner && COUNTED_OWNERS.has(owner.kind) && owner.apiVersion.startsWith('weft.dev/') ? owner.kind : undefined;
}

/**
 * What an admitted object keeps charged in the ledger (see "Charged once" above): a Workload's full
 * charge; a Job's count only, since its resources are charged on the Workload it owns.
 * @example ledger.observe(key, standingCharge(chargeOf('Job', job)))
 */
export function standingCharge(c: Charge): Charge {
  return c.kind === 'Job' ? { ...c, cpuMilli: 0, memoryBytes: 0, gpu: 0 } : c;
}

/** Finished objects no longer count. */
export const isCharged = (obj: KubernetesObject): boolean => {
  const phase = (obj as Charged).status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
};

interface Entry {
  charge: Charge;
  /** Set for admitted-but-not-yet-seen objects: dropped after this time if never observed. */
  assumedUntil?: number;
}

/**
 * Usage per org and per org/class, kept incrementally. Keys are `Kind/namespace/name`.
 * `observe` is fed by informers; `assume` by admission right after it allows a creation.
 */
export class UsageLedger {
  private readonly entries = new Map<string, Entry>();
  private readonly totals = new Map<string, Usage>();
  /** Keys of the assumed entries: expiry looks only at these, not at every object counted. */
  private readonly assumed = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The object as the cache sees it now (undefined or a finished object: it no longer counts). */
  observe(key: string, charge: Charge | undefined): void {
    this.remove(key);
    if (charge) this.put(key, { charge });
  }

  /** Counts an object admission just allowed, until the cache reports it (or `ttlMs` passes). */
  assume(key: string, charge: Charge, ttlMs = 60_000): void {
    const existing = this.entries.get(key);
    if (existing && existing.assumedUntil === undefined) return; // already observed: the cache is authoritative
    this.remove(key);
    this.put(key, { charge, assumedUntil: this.now() + ttlMs });
  }

  /** Usage of `org` (or of one quota class of it), leaving out `exceptKey` (the object being updated). */
  usage(org: string, quotaClass?: string, exceptKey?: string): Usage {
    this.expire();
    const total = { ...(this.totals.get(bucket(org, quotaClass)) ?? ZERO) };
    const own = exceptKey ? this.entries.get(exceptKey) : undefined;
    if (own && own.charge.org === org && (quotaClass === undefined || own.charge.quotaClass === quotaClass)) subtract(total, own.charge);
    return total;
  }

  get size(): number {
    return this.entries.size;
  }

  private put(key: string, e: Entry): void {
    this.entries.set(key, e);
    if (e.assumedUntil !== undefined) this.assumed.add(key);
    addTo(this.total(bucket(e.charge.org)), e.charge);
    if (e.charge.quotaClass) addTo(this.total(bucket(e.charge.org, e.charge.quotaClass)), e.charge);
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.assumed.delete(key);
    subtract(this.total(bucket(e.charge.org)), e.charge);
    if (e.charge.quotaClass) subtract(this.total(bucket(e.charge.org, e.charge.quotaClass)), e.charge);
  }

  private expire(): void {
    const now = this.now();
    for (const key of this.assumed) if (this.entries.get(key)!.assumedUntil! < now) this.remove(key);
  }

  private total(b: string): Usage {
    let t = this.totals.get(b);
    if (!t) this.totals.set(b, (t = { ...ZERO }));
    return t;
  }
}

const bucket = (org: string, quotaClass?: string) => (quotaClass ? `${org}/${quotaClass}` : org);

function addTo(u: Usage, c: Charge): void {
  u.cpuMilli += c.cpuMilli;
  u.memoryBytes += c.memoryBytes;
  u.gpu += c.gpu;
  if (c.kind === 'Job') u.jobs++;
  else if (!c.countedBy) u.workloads++;
}

function subtract(u: Usage, c: Charge): void {
  u.cpuMilli -= c.cpuMilli;
  u.memoryBytes -= c.memoryBytes;
  u.gpu -= c.gpu;
  if (c.kind === 'Job') u.jobs--;
  else if (!c.countedBy) u.workloads--;
}

const fmtCpu = (milli: number) => formatCpu(milli / 1000);

/**
 * The first limit that `charge` would break, as `org acme: gpu 4 requested, 6 of 8 used`, or
 * undefined when it fits (orgs and classes without limits always fit).
 */
export function quotaViolation(policy: WeftPolicy, charge: Charge, usage: (quotaClass?: string) => Usage): string | undefined {
  const org = policy.orgs[charge.org];
  if (!org) return undefined;
  const scopes: Array<{ label: string; limits: QuotaLimits; used: Usage }> = [{ label: `org ${charge.org}`, limits: org.quota, used: usage() }];
  const cls = charge.quotaClass ? org.classes[charge.quotaClass] : undefined;
  if (cls && charge.quotaClass) scopes.push({ label: `org ${charge.org}, quota class ${charge.quotaClass}`, limits: cls, used: usage(charge.quotaClass) });
  for (const { label, limits, used } of scopes) {
    const checks: Array<[string, number | undefined, number, number, (n: number) => string]> = [
      ['cpu', limits.cpuMilli, charge.cpuMilli, used.cpuMilli, fmtCpu],
      ['memory', limits.memoryBytes, charge.memoryBytes, used.memoryBytes, formatBytes],
      ['gpu', limits.gpu, charge.gpu, used.gpu, String],
      ['workloads', charge.kind === 'Workload' && !charge.countedBy ? limits.workloads : undefined, 1, used.workloads, String],
      ['jobs', charge.kind === 'Job' ? limits.jobs : undefined, 1, used.jobs, String],
    ];
    for (const [name, limit, want, have, fmt] of checks) {
      if (limit === undefined || want === 0) continue;
      if (have + want > limit) return `${label}: ${name} ${fmt(want)} requested, ${fmt(have)} of ${fmt(limit)} used`;
    }
  }
  return undefined;
}
