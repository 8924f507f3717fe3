/**
 * MeshNode admission: schema and tag ownership of the tags it carries; defaults and the org label.
 * MeshNodes are registered by hosts (`weft agent`), not by org users: the tailnet ACL's org owners
 * do not apply.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { checkSchema, checkTagOwners, defaultSpecAndOrg, firstDenial, ownTags } from './checks.js';
import type { PatchOp, Review, Verdict } from './types.js';

export const kind = 'MeshNode';
export const plural = 'meshnodes';
export const namespaced = false;

/** Schema defaults and the org label. */
export default function defaultMeshNode(obj: KubernetesObject): PatchOp[] {
  return defaultSpecAndOrg(kind, obj);
}

export function validateCreate(obj: KubernetesObject, r: Review): Verdict {
  return validateUpdate(obj, undefined, r);
}

export function validateUpdate(obj: KubernetesObject, old: KubernetesObject | undefined, r: Review): Verdict {
  return firstDenial(
    () => checkSchema(obj, r),
    () => checkTagOwners(ownTags, obj, old, r),
  );
}
