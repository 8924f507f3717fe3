/**
 * Workload admission: schema, tag ownership of its placement tags, the tailnet ACL's owners of its
 * org, and its quota charge; defaults, the org label and the cleanup finalizer at birth.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { WORKLOAD_FINALIZER } from '../src/api/labels.js';
import { checkOrgOwner, checkQuota, checkSchema, checkTagOwners, defaultSpecAndOrg, firstDenial, placementTags } from './checks.js';
import type { AdmissionRequest, PatchOp, Review, Verdict } from './types.js';

export const kind = 'Workload';
export const plural = 'workloads';
export const namespaced = true;

/** Schema defaults, the org label, and (on creation) the cleanup finalizer: the controller then saves a write per Workload. */
export default function defaultWorkload(obj: KubernetesObject, req: AdmissionRequest): PatchOp[] {
  const patch = defaultSpecAndOrg(kind, obj);
  const finalizers = obj.metadata?.finalizers;
  if (req.operation === 'CREATE' && !obj.metadata?.deletionTimestamp && !(finalizers ?? []).includes(WORKLOAD_FINALIZER)) {
    patch.push(finalizers ? { op: 'add', path: '/metadata/finalizers/-', value: WORKLOAD_FINALIZER } : { op: 'add', path: '/metadata/finalizers', value: [WORKLOAD_FINALIZER] });
  }
  return patch;
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
