import type { KubernetesObject } from '@kubernetes/client-node';
import type { WeftKind } from '../src/api/validate.js';
import { defaultSpecAndOrg, firstDenial } from './checks.js';
import type { AdmissionRequest, KindWebhook, PatchOp, Review, Verdict } from './types.js';

/** One check of a kind: runs only when every check before it passed (quota assumes its charge). */
export type KindCheck = (obj: KubernetesObject, old: KubernetesObject | undefined, r: Review) => Verdict | undefined;

export interface WebhookDefinition<K extends WeftKind> {
  kind: K;
  plural: string;
  namespaced: boolean;
  /** The checks in order; a creation is an update from nothing (`old` undefined). */
  checks: KindCheck[];
  /** Patches beyond the schema defaults and the org label. */
  defaults?: (obj: KubernetesObject, req: AdmissionRequest) => PatchOp[];
}

/**
 * A kind's webhook from its checks and extra defaults: `validateCreate`, `validateUpdate` and
 * `default` (schema defaults, the org label, then `defaults`).
 * @example export const { kind, plural, namespaced, validateCreate, validateUpdate, default: defaultJob } = defineWebhook({ kind: 'Job', … });
 */
export function defineWebhook<K extends WeftKind>(d: WebhookDefinition<K>): KindWebhook & { kind: K } {
  const validateUpdate = (obj: KubernetesObject, old: KubernetesObject | undefined, r: Review) => firstDenial(...d.checks.map((check) => () => check(obj, old, r)));
  return {
    kind: d.kind,
    plural: d.plural,
    namespaced: d.namespaced,
    default: (obj, req) => [...defaultSpecAndOrg(d.kind, obj), ...(d.defaults?.(obj, req) ?? [])],
    validateCreate: (obj, r) => validateUpdate(obj, undefined, r),
    validateUpdate,
  };
}
