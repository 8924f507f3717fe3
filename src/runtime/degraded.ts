import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { setConditions, type Condition } from '../api/common/conditions.js';
import { errorMessage, isNotFound, type TerminalError } from './errors.js';
import { splitKey } from './informer.js';
import type { ResourceType, RestClient } from './rest.js';
import { updateStatusIfChanged } from './status.js';

type WithConditions = KubernetesObject & { status?: { conditions?: Condition[]; [k: string]: unknown } };

/**
 * Makes a reconcile that gave up visible where users look (`kubectl describe`, `kubectl wait`,
 * Argo CD and Flux health): a {@link TerminalError} sets `Degraded=True` with its reason and
 * message on the object; the next successful reconcile of that key sets `Degraded=False`.
 */
export class DegradedReporter {
  /** Keys whose last reconcile ended in a TerminalError (in this process). */
  private readonly degraded = new Set<string>();

  constructor(
    private readonly rest: RestClient,
    private readonly log: Logger,
  ) {}

  /** Sets Degraded=True on the object of `key` (best effort: a failed write is logged). */
  async terminal(type: ResourceType, key: string, err: TerminalError): Promise<void> {
    this.degraded.add(`${type.plural}/${key}`);
    await this.write(type, key, { type: 'Degraded', status: 'True', reason: err.reason, message: err.message });
  }

  /** After a successful reconcile: clears a Degraded=True this reporter set. */
  async succeeded(type: ResourceType, key: string): Promise<void> {
    if (!this.degraded.delete(`${type.plural}/${key}`)) return;
    await this.write(type, key, { type: 'Degraded', status: 'False', reason: 'Reconciled', message: 'the last reconcile succeeded' });
  }

  private async write(type: ResourceType, key: string, c: Omit<Condition, 'lastTransitionTime'>): Promise<void> {
    const { namespace, name } = splitKey(key);
    try {
      const obj = await this.rest.get<WithConditions>(type, name, namespace);
      const conditions = setConditions(obj.status?.conditions, [c], { now: new Date(), generation: obj.metadata?.generation });
      await updateStatusIfChanged(this.rest, type, obj, { ...obj.status, conditions });
    } catch (err) {
      if (!isNotFound(err)) this.log.warn({ key, resource: type.plural, err: errorMessage(err) }, `could not set Degraded=${c.status}`);
    }
  }
}
