/**
 * Workload admission: schema, tag ownership of its placement tags, the tailnet ACL's owners of its
 * org, and its quota charge; defaults, the org label and the cleanup finalizer at birth.
 */
import { WORKLOAD_FINALIZER } from '../src/api/labels.js';
import { checkOrgOwner, checkQuota, checkSchema, checkTagOwners, placementTags } from './checks.js';
import { defineWebhook } from './define.js';

const workload = defineWebhook({
  kind: 'Workload',
  plural: 'workloads',
  namespaced: true,
  checks: [checkSchema, (obj, old, r) => checkTagOwners(placementTags, obj, old, r), checkOrgOwner, (obj, old, r) => checkQuota('Workload', obj, old, r)],
  // The cleanup finalizer at birth: the controller then saves a write per Workload.
  defaults: (obj, req) => {
    const finalizers = obj.metadata?.finalizers;
    if (req.operation !== 'CREATE' || obj.metadata?.deletionTimestamp || (finalizers ?? []).includes(WORKLOAD_FINALIZER)) return [];
    return [finalizers ? { op: 'add', path: '/metadata/finalizers/-', value: WORKLOAD_FINALIZER } : { op: 'add', path: '/metadata/finalizers', value: [WORKLOAD_FINALIZER] }];
  },
});
export const { kind, plural, namespaced, validateCreate, validateUpdate } = workload;
export default workload.default;
