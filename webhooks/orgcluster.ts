/**
 * OrgCluster admission: schema, tag ownership of the tags it carries, and the tailnet ACL's owners
 * of its org; defaults and the org label.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { checkOrgOwner, checkSchema, checkTagOwners, defaultSpecAndOrg, firstDenial, ownTags } from './checks.js';
import type { PatchOp, Review, Verdict } from './types.js';

export const kind = 'OrgCluster';
export const plural = 'orgclusters';
export const namespaced = true;

/** Schema defaults and the org label. */
export default function defaultOrgCluster(obj: KubernetesObject): PatchOp[] {
  return defaultSpecAndOrg(kind, obj);
}

export function validateCreate(obj: KubernetesObject, r: Review): Verdict {
  return validateUpdate(obj, undefined, r);
}

export function validateUpdate(obj: KubernetesObject, old: KubernetesObject | undefined, r: Review): Verdict {
  return firstDenial(
    () => checkSchema(obj, r),
    () => checkTagOwners(ownTags, obj, old, r),
    () => checkOrgOwner(obj, old, r),
  );
}
