import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ControllerRunner, type ControllerSpec } from './controller.js';
import { DegradedReporter } from './degraded.js';
import { Informer, keyOf } from './informer.js';
import type { KubeAccess } from './kubeconfig.js';
import { LeaderElector } from './leader.js';
import { leaderCheck } from './leader-status.js';
import { RuntimeMetrics } from './metrics.js';
import { RestClient, type ResourceType } from './rest.js';
import type { Readiness } from './readiness.js';
import type { LabelSelector } from './selector.js';

export interface ManagerOptions {
  log: Logger;
  metrics: Registry;
  readiness?: Readiness;
  /** Lease for leader election; without it this replica always reconciles (single replica, tests). */
  leaderElection?: { namespace: string; name: string; identity?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** Periodic full resync: every cached object is reconciled again (default 10 min). */
  resyncMs?: number;
  /**
   * Reconcile only the objects of API group `group` whose labels match `selector` (`--shard`,
   * docs/deploy.md "Canary"); controllers of other groups are not sharded. The informers' caches stay
   * whole: placement and quota must see every shard's objects.
   */
  shard?: { group: string; selector: LabelSelector };
}

const typeKey = (t: ResourceType, namespace?: string, labelSelector?: string) => `${t.group}/${t.version}/${t.plural}@${namespace ?? ''}?${labelSelector ?? ''}`;

/**
 * Runs controllers: one shared informer per resource type, a queue and workers per controller,
 * leader election (only the leader reconciles), and readiness (`caches` and `leader` checks).
 */
export class Manager {
  readonly metrics: RuntimeMetrics;
  readonly elector: LeaderElector | undefined;
  private readonly informers = new Map<string, Informer>();
  private readonly runners: ControllerRunner[] = [];
  private readonly degraded: DegradedReporter;
  private resyncTimer: NodeJS.Timeout | undefined;
  private started = false;
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly kc: KubeAccess,
    private readonly opts: ManagerOptions,
  ) {
    this.metrics = new RuntimeMetrics(opts.metrics);
    this.degraded = new DegradedReporter(new RestClient(kc), opts.log.child({ component: 'degraded' }));
    if (opts.leaderElection) {
      const lease = opts.leaderElection.name;
      this.elector = new LeaderElector(kc, {
        ...opts.leaderElection,
        log: opts.log.child({ component: 'leader-election' }),
        onStartedLeading: () => {
          this.metrics.leader.labels(lease).set(1);
          this.startWorkers();
        },
        onStoppedLeading: () => {
          this.metrics.leader.labels(lease).set(0);
          void this.stopWorkers();
        },
      });
    }
  }

  /** The operator's Prometheus registry (controllers register their own metrics in it). */
  get metricsRegistry(): Registry {
    return this.opts.metrics;
  }

  /** The shared informer of a resource type (created on first use). */
  informer<T extends KubernetesObject = KubernetesObject>(type: ResourceType, namespace?: string, labelSelector?: string): Informer<T> {
    let inf = this.informers.get(typeKey(type, namespace, labelSelector));
    if (!inf) {
      inf = new Informer(this.kc, type, {
        namespace,
        labelSelector,
        log: this.opts.log.child({ component: 'informer', resource: type.plural }),
        onRestart: () => this.metrics.watchRestarts.labels(type.plural).inc(),
      });
      this.informers.set(typeKey(type, namespace, labelSelector), inf);
    }
    return inf as unknown as Informer<T>;
  }

  /** Registers a controller; its informers' events enqueue keys. Call before start(). */
  add(spec: ControllerSpec): ControllerRunner {
    const inShard = this.shardFilter(spec.for);
    // Checked again when the key is reconciled: its labels may have changed since it was queued.
    const sharded: ControllerSpec = { ...spec, reconcile: async (req) => (inShard(req.key) ? spec.reconcile(req) : { skipped: true }) };
    const runner = new ControllerRunner(sharded, this.opts.log, this.metrics, this.degraded);
    const idx = this.runners.push(runner) - 1;
    // Look the runner up at event time: a new leadership term gets a fresh runner.
    const enqueue = (key: string, obj?: KubernetesObject) => {
      if (inShard(key, obj)) this.runners[idx]!.queue.add(key);
    };
    this.informer(spec.for).on((_ev, obj) => enqueue(keyOf(obj), obj));
    for (const owned of spec.owns ?? []) {
      const [type, selector] = 'type' in owned ? [owned.type, owned.labelSelector] : [owned, undefined];
      this.informer(type, undefined, selector).on((_ev, obj) => {
        const ref = obj.metadata?.ownerReferences?.find((r) => r.controller && r.kind === spec.for.kind);
        if (!ref) return;
        const ns = spec.for.namespaced ? obj.metadata?.namespace : undefined;
        enqueue(ns ? `${ns}/${ref.name}` : ref.name);
      });
    }
    for (const w of spec.watches ?? []) {
      this.informer(w.type, w.namespace).on((_ev, obj) => {
        for (const key of w.map(obj)) enqueue(key);
      });
    }
    return runner;
  }

  /** The names of the registered controllers, in order (what a feature gate or `--controllers` left in). */
  controllerNames(): string[] {
    return this.runners.map((r) => r.spec.name);
  }

  /** Queues `key` for the controller called `name` (for controllers fed by something other than informers). */
  enqueue(name: string, key: string): void {
    const runner = this.runners.find((r) => r.spec.name === name);
    if (runner && this.shardFilter(runner.spec.for)(key)) runner.queue.add(key);
  }

  /**
   * Is a key of `type` in this replica's shard? Decided on the object's labels (the event's object,
   * else the cached one). A key not in the cache (deleted) passes: its reconcile only cleans up.
   */
  private shardFilter(type: ResourceType): (key: string, obj?: KubernetesObject) => boolean {
    const shard = this.opts.shard;
    if (!shard || type.group !== shard.group) return () => true;
    const cache = this.informer(type);
    return (key, obj) => {
      const o = obj ?? cache.get(key);
      return o === undefined || shard.selector.matches(o.metadata?.labels);
    };
  }

  /** Starts informers (waits until their caches are filled), then leader election or workers. */
  async start(opts: { waitForSync?: boolean } = {}): Promise<void> {
    this.started = true;
    const readiness = this.opts.readiness;
    readiness?.register('caches', () => {
      const pending = [...this.informers.values()].filter((i) => !i.hasSynced()).map((i) => i.type.plural);
      return pending.length === 0 ? { ok: true, message: `${this.informers.size} informer(s) synced` } : { ok: false, message: `waiting for caches: ${pending.join(', ')}` };
    });
    if (this.elector) {
      const elector = this.elector;
      // Ready when leading or when another holder is seen on the Lease; not when the Lease is out of reach.
      readiness?.register('leader', () => leaderCheck(elector.status(), elector.identity));
    }
    const synced = Promise.all([...this.informers.values()].map((i) => i.start()));
    const resync = this.opts.resyncMs ?? 600_000;
    this.resyncTimer = setInterval(() => this.resyncAll(), resync);
    this.resyncTimer.unref();
    // Workers start only once every cache is filled (a missing object must mean "deleted", not
    // "not listed yet"). A CRD that is not installed keeps its informer retrying and /readyz false.
    this.syncing = synced.then(() => {
      if (!this.started) return;
      if (this.elector) this.elector.start();
      else this.startWorkers();
    });
    if (opts.waitForSync) await this.syncing;
  }

  /** Resolves once caches are synced and leader election or workers have started. */
  waitForSync(): Promise<void> {
    return this.syncing;
  }

  /** Stops workers, leader election (releasing the lease) and informers. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.stopWorkers();
    await this.elector?.stop();
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  /** Is this replica reconciling (the leader, or no election configured)? */
  isActive(): boolean {
    return this.elector ? this.elector.isLeader() : this.started;
  }

  private startWorkers(): void {
    for (const r of this.runners) r.start();
    this.resyncAll();
  }

  private async stopWorkers(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
    // A stopped queue cannot be restarted: give each runner a fresh one for the next term.
    for (let i = 0; i < this.runners.length; i++) {
      const old = this.runners[i]!;
      const fresh = new ControllerRunner(old.spec, this.opts.log, this.metrics, this.degraded);
      this.runners[i] = fresh;
    }
  }

  private resyncAll(): void {
    for (const r of this.runners) {
      const inShard = this.shardFilter(r.spec.for);
      for (const obj of this.informer(r.spec.for).list()) if (inShard(keyOf(obj), obj)) r.queue.add(keyOf(obj));
    }
  }
}
