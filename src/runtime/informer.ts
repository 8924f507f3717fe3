import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.js';
import { errorMessage, isGone } from './errors.js';
import type { KubeAccess } from './kubeconfig.js';
import { apiVersionOf, resourcePath, RestClient, type ResourceType } from './rest.js';
import { watchStream, type WatchEvent } from './watch.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, obj: T, old?: T) => void;

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  /** Server-side watch timeout range (s); the server closes the watch and we resume from the last resourceVersion. */
  watchTimeoutSeconds?: [number, number];
  /** A watch silent for this long past its server timeout is considered dead and restarted (ms). */
  watchdogSlackMs?: number;
  /** Called each time the watch is restarted after an error or watchdog timeout. */
  onRestart?: (reason: string) => void;
  log?: Logger;
}

/** `namespace/name` (or `name` for cluster-scoped objects): the work-queue key of an object. */
export function keyOf(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : `${obj.metadata?.name}`;
}

/** Splits a key back into namespace and name. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what no controller reads from an object before it is cached (as controller-runtime's
 * cache transforms): managedFields are often most of an object's size, and kubectl's
 * last-applied-configuration annotation is a second copy of the whole object. Both are safe to
 * drop: a PUT without managedFields leaves them unchanged, and the runtime writes objects only
 * through the status subresource (metadata ignored) or merge patches.
 */
export function trimForCache(obj: KubernetesObject): void {
  const meta = obj.metadata;
  if (!meta) return;
  if (meta.managedFields) delete meta.managedFields;
  if (meta.annotations?.[LAST_APPLIED] !== undefined) delete meta.annotations[LAST_APPLIED];
}

/**
 * A shared informer: lists, then watches one resource type and keeps an in-memory cache, calling
 * handlers on add/update/delete. Unlike client-node's ListWatch it never gives up: any watch error
 * restarts it with backoff, 410 Gone relists (diffing the cache so deletions made meanwhile are seen),
 * bookmarks keep the resourceVersion fresh, and a watchdog restarts a watch that went silent.
 */
export class Informer<T extends KubernetesObject = KubernetesObject> {
  private readonly cache = new Map<string, T>();
  /** Keys whose cached object came from observeWrite, ahead of the watch. */
  private readonly ahead = new Set<string>();
  private readonly handlers: Array<InformerHandler<T>> = [];
  private readonly rest: RestClient;
  private resourceVersion = '';
  private synced = false;
  private stopped = true;
  private failures = 0;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Number of watch restarts after errors (exposed as a metric). */
  restarts = 0;

  constructor(
    private readonly kc: KubeAccess,
    readonly type: ResourceType,
    private readonly opts: InformerOptions = {},
  ) {
    this.rest = new RestClient(kc);
  }

  /** Registers a handler; it is called for every cached object already present, as `add`. */
  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
    for (const obj of this.cache.values()) handler('add', obj);
  }

  /** True once the first list has been loaded into the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** Starts list+watch in the background; resolves when the first list is cached. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
    while (!this.synced && !this.stopped) await new Promise((r) => setTimeout(r, 20));
  }

  /** Stops watching; the cache keeps its last content. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        await this.watchOnce();
        this.failures = 0;
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err)) {
          this.opts.log?.info({ resource: this.type.plural }, 'watch expired (410 Gone): relisting');
          this.resourceVersion = '';
          continue;
        }
        this.failures++;
        this.restarts++;
        this.opts.onRestart?.(errorMessage(err));
        const delay = backoffDelay(this.failures, { baseMs: 200, capMs: 30_000, jitter: 0.2 });
        this.opts.log?.warn({ resource: this.type.plural, err: errorMessage(err), retryInMs: delay }, 'watch failed: restarting');
        await new Promise<void>((r) => {
          const t = setTimeout(r, delay);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    }
  }

  /** Lists everything and reconciles the cache with it (emitting add/update/delete). */
  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.rest.list<T>(this.type, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
    });
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      this.upsert(obj);
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit('delete', old);
      }
    }
    this.resourceVersion = resourceVersion;
    this.synced = true;
  }

  /** One watch request, until the server closes it (resolve) or it fails (reject). */
  private async watchOnce(): Promise<void> {
    const [lo, hi] = this.opts.watchTimeoutSeconds ?? [240, 300];
    const timeoutSeconds = Math.floor(lo + Math.random() * (hi - lo));
    const path = resourcePath(this.type, this.opts.namespace);
    const abort = new AbortController();
    this.abort = abort;
    if (this.stopped) abort.abort();
    let gone = false;
    try {
      // The inactivity limit doubles as our watchdog: bookmarks arrive at least every minute, and
      // the server closes the watch after timeoutSeconds.
      await watchStream<T & { code?: number }>(this.kc, path, (ev) => this.onWatchEvent(ev, () => (gone = true)), {
        query: { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector: this.opts.labelSelector },
        inactivityMs: timeoutSeconds * 1000 + (this.opts.watchdogSlackMs ?? 30_000),
        signal: abort.signal,
      });
    } catch (err) {
      if (isGone(err)) throw Object.assign(new Error('watch expired'), { code: 410 });
      if ((err as Error | null)?.name === 'TimeoutError') throw new Error(`watch on ${path} silent for too long (watchdog)`);
      if (!this.stopped) throw err;
    } finally {
      this.abort = undefined;
    }
    if (gone) throw Object.assign(new Error('watch expired'), { code: 410 });
  }

  private onWatchEvent(ev: WatchEvent<T & { code?: number }>, markGone: () => void): void {
    const obj = ev.object;
    if (ev.type === 'ERROR') {
      if (obj.code === 410) markGone();
      return;
    }
    const rv = obj.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const full = { apiVersion: apiVersionOf(this.type), kind: this.type.kind, ...obj } as T;
    if (ev.type === 'DELETED') {
      this.cache.delete(keyOf(full));
      this.ahead.delete(keyOf(full));
      this.emit('delete', full);
    } else {
      this.upsert(full);
    }
    if (rv) this.resourceVersion = rv;
  }

  /**
   * Records an object this process has just written (the reply of a create or update), so that
   * reads right after it see the write before the watch delivers it: a reconcile triggered in
   * between must not act on the older object. Ignored when the cache holds that version or a
   * newer one; the watch's own event for it is then not emitted again.
   */
  observeWrite(obj: T): void {
    const key = keyOf(obj);
    const cached = this.cache.get(key);
    if (cached && rvAtLeast(cached, obj)) return;
    const copy = structuredClone(obj);
    trimForCache(copy);
    this.cache.set(key, copy);
    this.ahead.add(key);
    if (cached) this.emit('update', copy, cached);
    else this.emit('add', copy);
  }

  private upsert(obj: T): void {
    trimForCache(obj);
    const key = keyOf(obj);
    const old = this.cache.get(key);
    if (old && this.ahead.has(key)) {
      // An object observed ahead of the watch: older events must not take the cache back.
      if (!rvAtLeast(obj, old)) return;
      this.ahead.delete(key);
    }
    this.cache.set(key, obj);
    if (!old) this.emit('add', obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj, old);
  }

  private emit(event: InformerEvent, obj: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        h(event, obj, old);
      } catch (err) {
        this.opts.log?.error({ err: errorMessage(err), resource: this.type.plural }, 'informer handler threw');
      }
    }
  }
}

/** Is `a` at least as new as `b`? resourceVersions are etcd revisions (compared as integers when they are). */
export function rvAtLeast(a: KubernetesObject, b: KubernetesObject): boolean {
  const x = a.metadata?.resourceVersion ?? '';
  const y = b.metadata?.resourceVersion ?? '';
  if (/^\d+$/.test(x) && /^\d+$/.test(y)) return BigInt(x) >= BigInt(y);
  return x === y;
}
