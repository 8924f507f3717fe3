import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorMessage } from './errors.js';
import { microTime } from './leader.js';
import type { RestClient} from './rest.js';
import { type ResourceType } from './rest.js';

const EVENT: ResourceType = { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };

export type EventType = 'Normal' | 'Warning';

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  resourceVersion?: string;
}

/** An Event waiting to be written: about what, of which type, why, and when it happened. */
interface QueuedEvent {
  obj: KubernetesObject;
  type: EventType;
  reason: string;
  note: string;
  at: Date;
}

/** Events waiting to be written beyond this are dropped (and counted in a warning), as client-go's broadcaster does. */
const MAX_QUEUED = 1000;

/**
 * Records Kubernetes Events (events.k8s.io/v1) for notable transitions, shown by `kubectl describe`
 * and `kubectl events`. Repeats of the same (object, reason, message) within 10 minutes update a
 * series count instead of creating new Events, as client-go's recorder does.
 *
 * `record` never blocks and never throws: events go into a queue that one writer drains in order,
 * as client-go's event broadcaster does, so that in a burst the writes that do the work (pods,
 * status) go first and the Events follow. A failed event is logged; past MAX_QUEUED waiting,
 * new ones are dropped.
 */
export class EventRecorder {
  private readonly recent = new Map<string, Recorded & { at: number }>();
  private readonly queue: QueuedEvent[] = [];
  private draining: Promise<void> | undefined;
  private dropped = 0;

  constructor(
    private readonly rest: RestClient,
    private readonly controller: string,
    private readonly log: Logger,
  ) {}

  /** Queues an Event; resolves at once (see `flush` to wait for the writes). */
  async record(obj: KubernetesObject, type: EventType, reason: string, note: string): Promise<void> {
    if (this.queue.length >= MAX_QUEUED) {
      if (this.dropped++ % 100 === 0) this.log.warn({ dropped: this.dropped, reason }, 'event queue full: dropping events');
      return;
    }
    this.queue.push({ obj, type, reason, note, at: new Date() });
    this.draining ??= this.drain();
  }

  /** Drops the Events not yet written and waits for the one being written (on shutdown). */
  async stop(): Promise<void> {
    this.queue.length = 0;
    await this.flush();
  }

  /** Resolves when every queued Event has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      for (let e = this.queue.shift(); e; e = this.queue.shift()) await this.write(e);
    } finally {
      this.draining = undefined;
    }
  }

  private async write(e: QueuedEvent): Promise<void> {
    const { obj, type, reason, note, at } = e;
    // The apiserver accepts events about cluster-scoped objects only in `default` (as client-go does).
    const namespace = obj.metadata?.namespace || 'default';
    const dedupe = `${obj.metadata?.uid}|${reason}|${note}`;
    const now = Date.now();
    const prev = this.recent.get(dedupe);
    try {
      if (prev && now - prev.at < 600_000) {
        prev.count++;
        prev.at = now;
        await this.rest.patch(EVENT, { name: prev.name, namespace: prev.namespace }, { series: { count: prev.count, lastObservedTime: microTime(at) } });
        return;
      }
      const name = `${obj.metadata?.name}.${now.toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
      await this.rest.create(EVENT, {
        metadata: { name, namespace },
        eventTime: microTime(at),
        reportingController: `weft.dev/${this.controller}`,
        reportingInstance: `weft-${this.controller}`,
        action: reason,
        reason,
        note: note.slice(0, 1024),
        type,
        regarding: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata?.name,
          namespace: obj.metadata?.namespace,
          uid: obj.metadata?.uid,
          resourceVersion: obj.metadata?.resourceVersion,
        },
      } as KubernetesObject);
      this.recent.set(dedupe, { name, namespace, count: 1, at: now });
      if (this.recent.size > 5000) this.recent.delete(this.recent.keys().next().value!);
    } catch (err) {
      this.log.warn({ err: errorMessage(err), reason }, 'could not record event');
    }
  }
}
