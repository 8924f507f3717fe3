import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorMessage, isAlreadyExists, isConflict, isNotFound } from './errors.js';
import type { KubeAccess } from './kubeconfig.js';
import { describeLeaseFailure, type LeaderStatus, type LeaseVerb } from './leader-status.js';
import { ensureNamespace, NamespaceMissingError } from './namespace.js';
import { RestClient, type ResourceType } from './rest.js';

const LEASE: ResourceType = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true };

interface Lease extends KubernetesObject {
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  /** Unique per replica; default `hostname_random`. */
  identity?: string;
  /** How long a lease is valid without renewal (default 15 s). */
  leaseDurationMs?: number;
  /** The leader steps down if it cannot renew within this (default 10 s); < leaseDuration. */
  renewDeadlineMs?: number;
  /** How often to try to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  log?: Logger;
  /** The Lease (and namespace) client; default a RestClient on `kc`. Tests pass a fake. */
  rest?: LeaseClient;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
}

/** The calls leader election makes: Lease get/create/replace, namespace get/create. */
export type LeaseClient = Pick<RestClient, 'get' | 'create' | 'replace'>;

/** The state of a Lease as the elector sees it (pure, for tests). */
export interface LeaseView {
  holder: string;
  renewTime: number;
  durationMs: number;
}

/** May `identity` take a lease held as `lease` at time `now`? (free, expired, or already ours) */
export function canAcquire(lease: LeaseView | undefined, identity: string, now: number): boolean {
  if (!lease || !lease.holder) return true;
  if (lease.holder === identity) return true;
  return now > lease.renewTime + lease.durationMs;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go does it: acquire when the lease is
 * free or expired, renew every retry period, step down (and call onStoppedLeading) when renewal has
 * failed for renewDeadline, and release on shutdown so a successor need not wait for expiry. Writes
 * use the Lease's resourceVersion, so two replicas can never both believe they won. A missing
 * namespace is created when the operator may; `status()` says what was last seen (a holder only
 * when one is on the Lease) and why election fails, warning once per new reason.
 */
export class LeaderElector {
  readonly identity: string;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private current: Lease | undefined;
  private inflight: Promise<void> = Promise.resolve();
  private lastObservedHolder = '';
  private seen: LeaderStatus = { state: 'electing' };
  private step: LeaseVerb = 'get';
  private readonly rest: LeaseClient;
  private readonly durationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;

  constructor(
    kc: KubeAccess,
    private readonly opts: LeaderElectionOptions,
  ) {
    this.rest = opts.rest ?? new RestClient(kc);
    this.identity = opts.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    this.durationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** What this replica last saw: leading, following a holder seen on the Lease, or failing and why. */
  status(): LeaderStatus {
    return this.leading ? { state: 'leading' } : this.seen;
  }

  /** Starts trying to acquire the lease in the background. */
  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /**
   * Stops; a leader releases the lease (empty holder) so another replica can take over at once.
   * `release: false` simulates a crash (tests): the lease must expire first.
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // A renewal in flight would bump the resourceVersion and make the release conflict.
    await this.inflight;
    if (opts.release === false) {
      this.setLeading(false);
      return;
    }
    if (this.leading && this.current) {
      try {
        await this.rest.replace(LEASE, {
          ...this.current,
          spec: { ...this.current.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
        });
      } catch (err) {
        this.opts.log?.warn({ err: errorMessage(err) }, 'could not release the leader lease; it will expire');
      }
      this.setLeading(false);
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const attempt = this.tryAcquireOrRenew();
      this.inflight = attempt.then(
        () => undefined,
        () => undefined,
      );
      const wasFailing = this.seen.state === 'failing';
      await attempt;
      if (wasFailing) this.opts.log?.info({ lease: this.opts.name }, 'leader election: the lease is reachable again');
      if (this.seen.state === 'failing') this.seen = { state: 'electing' };
    } catch (err) {
      this.failed(err);
    }
    if (this.leading && Date.now() - this.lastRenew > this.renewDeadlineMs) {
      this.opts.log?.error({ lease: this.opts.name }, 'leader election: could not renew the lease in time; stepping down');
      this.setLeading(false);
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), this.retryMs);
      this.timer.unref();
    }
  }

  /** Records why an attempt failed; warns once per new reason (not every retry period). */
  private failed(err: unknown): void {
    const reason = describeLeaseFailure(err, this.opts, this.step).message;
    const repeated = this.seen.state === 'failing' && this.seen.reason === reason;
    this.seen = { state: 'failing', reason };
    if (repeated) this.opts.log?.debug({ lease: this.opts.name, reason }, 'leader election: still failing');
    else this.opts.log?.warn({ lease: this.opts.name, namespace: this.opts.namespace, reason }, 'leader election: cannot take or renew the lease');
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { namespace, name } = this.opts;
    const now = new Date();
    let lease: Lease | undefined;
    try {
      this.step = 'get';
      lease = await this.rest.get<Lease>(LEASE, name, namespace);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const spec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.durationMs / 1000),
      renewTime: microTime(now),
    };
    if (!lease) {
      this.step = 'create';
      const created = await this.createLease({ metadata: { name, namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } });
      if (!created) return; // another replica created it first
      this.current = created;
      this.renewed();
      return;
    }
    const view = leaseView(lease);
    this.observeHolder(view.holder);
    if (!canAcquire(view, this.identity, now.getTime())) {
      this.seen = { state: 'following', holder: view.holder, renewTime: view.renewTime, durationMs: view.durationMs };
      if (this.leading) this.setLeading(false);
      return;
    }
    this.step = 'update';
    const takingOver = view.holder !== this.identity;
    try {
      this.current = await this.rest.replace<Lease>(LEASE, {
        ...lease,
        spec: {
          ...lease.spec,
          ...spec,
          acquireTime: takingOver ? microTime(now) : lease.spec?.acquireTime,
          leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (takingOver ? 1 : 0),
        },
      });
    } catch (err) {
      if (isConflict(err)) return; // someone else wrote first: re-read next tick
      throw err;
    }
    this.renewed();
  }

  /**
   * Creates the Lease; its namespace is created first when missing (and allowed). Undefined when
   * another replica created the Lease first.
   */
  private async createLease(lease: Lease): Promise<Lease | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.rest.create<Lease>(LEASE, lease);
      } catch (err) {
        if (isAlreadyExists(err)) return undefined;
        // 404 on creating a namespaced object: its namespace is missing. Create it, then try again.
        if (!isNotFound(err) || attempt > 0) throw err;
        const outcome = await ensureNamespace(this.rest, this.opts.namespace);
        if (outcome === 'unknown') throw new NamespaceMissingError(this.opts.namespace, { cause: err });
        if (outcome === 'created') this.opts.log?.info({ namespace: this.opts.namespace }, 'leader election: created the missing namespace');
      }
    }
  }

  private renewed(): void {
    this.lastRenew = Date.now();
    this.seen = { state: 'electing' }; // what a replica that stops leading knows of the holder: nothing yet
    this.observeHolder(this.identity);
    if (!this.leading) this.setLeading(true);
  }

  private observeHolder(holder: string): void {
    if (holder && holder !== this.lastObservedHolder) {
      this.lastObservedHolder = holder;
      this.opts.onNewLeader?.(holder);
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.opts.log?.info({ identity: this.identity, lease: this.opts.name, leading }, leading ? 'became leader' : 'stopped leading');
    if (leading) this.opts.onStartedLeading?.();
    else this.opts.onStoppedLeading?.();
  }
}

function leaseView(lease: Lease): LeaseView {
  const s = lease.spec ?? {};
  return {
    holder: s.holderIdentity ?? '',
    renewTime: s.renewTime ? Date.parse(s.renewTime) : 0,
    durationMs: (s.leaseDurationSeconds ?? 15) * 1000,
  };
}

/** A metav1.MicroTime string (RFC 3339 with exactly six fractional digits), as Lease times require. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
