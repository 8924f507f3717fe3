/**
 * Job admission: schema, tag ownership of its placement tags, the tailnet ACL's owners of its
 * org, and its quota charge; defaults and the org label.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { checkOrgOwner, checkQuota, checkSchema, checkTagOwners, defaultSpecAndOrg, firstDenial, placementTags } from './checks.js';
import type { PatchOp, Review, Verdict } from './types.js';

export const kind = 'Job';
export const plural = 'jobs';
export const namespaced = true;

/** Schema defaults and the org label. */
export default function defaultJob(obj: KubernetesObject): PatchOp[] {
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
    () => checkQuota(kind, obj, old, r),
  );
}
