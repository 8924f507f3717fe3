/**
 * Job admission: schema, tag ownership of its placement tags, the tailnet ACL's owners of its org,
 * and its quota charge; defaults and the org label.
 */
import { checkOrgOwner, checkQuota, checkSchema, checkTagOwners, placementTags } from './checks.js';
import { defineWebhook } from './define.js';

const job = defineWebhook({
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
  checks: [checkSchema, (obj, old, r) => checkTagOwners(placementTags, obj, old, r), checkOrgOwner, (obj, old, r) => checkQuota('Job', obj, old, r)],
});
export const { kind, plural, namespaced, validateCreate, validateUpdate } = job;
export default job.default;
