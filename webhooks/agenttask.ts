/**
 * AgentTask admission: schema, tag ownership of its placement tags and the tailnet ACL's owners of
 * its org; defaults and the org label. Not charged against quota itself: the Workload it owns
 * carries the charge (quota charges once).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { checkOrgOwner, checkSchema, checkTagOwners, defaultSpecAndOrg, firstDenial, placementTags } from './checks.js';
import type { PatchOp, Review, Verdict } from './types.js';

export const kind = 'AgentTask';
export const plural = 'agenttasks';
export const namespaced = true;

/** Schema defaults and the org label. */
export default function defaultAgentTask(obj: KubernetesObject): PatchOp[] {
  return defaultSpecAndOrg(kind, obj);
}

export function validateCreate(obj: KubernetesObject, r: Review): Verdict {
  return validateUpdate(obj, undefined, r);
}

export function validateUpdate(obj: KubernetesObject, old: KubernetesObject | undefined, r: Review): Verdict {
  return firstDenial(
    () => checkSchema(obj, r),
    () => checkTagOwners(placementTags, obj, old, r),
    () => checkOrgOwner(obj, old, r),
  );
}
