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

/**
 * Records Kubernetes Events (events.k8s.io/v1) for notable transitions, shown by `kubectl describe`
 * and `kubectl events`. Repeats of the same (object, reason, message) within 10 minutes update a
 * series count instead of creating new Events, as client-go's recorder does. Never throws: a failed
 * event is logged, not allowed to fail a reconcile.
 */
export class EventRecorder {
  private readonly recent = new Map<string, Recorded & { at: number }>();

  constructor(
    private readonly rest: RestClient,
    private readonly controller: string,
    private readonly log: Logger,
  ) {}

  async record(obj: KubernetesObject, type: EventType, reason: string, note: string): Promise<void> {
    // The apiserver accepts events about cluster-scoped objects only in `default` (as client-go does).
    const namespace = obj.metadata?.namespace || 'default';
    const dedupe = `${obj.metadata?.uid}|${reason}|${note}`;
    const now = Date.now();
    const prev = this.recent.get(dedupe);
    try {
      if (prev && now - prev.at < 600_000) {
        prev.count++;
        prev.at = now;
        await this.rest.patch(EVENT, { name: prev.name, namespace: prev.namespace }, { series: { count: prev.count, lastObservedTime: microTime(new Date()) } });
        return;
      }
      const name = `${obj.metadata?.name}.${now.toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
      await this.rest.create(EVENT, {
        metadata: { name, namespace },
        eventTime: microTime(new Date()),
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
