/**
 * OrgCluster admission: schema, tag ownership of the tags it carries, and the tailnet ACL's owners
 * of its org; defaults and the org label.
 */
import { checkOrgOwner, checkSchema, checkTagOwners, ownTags } from './checks.js';
import { defineWebhook } from './define.js';

const orgCluster = defineWebhook({
  kind: 'OrgCluster',
  plural: 'orgclusters',
  namespaced: true,
  checks: [checkSchema, (obj, old, r) => checkTagOwners(ownTags, obj, old, r), checkOrgOwner],
});
export const { kind, plural, namespaced, validateCreate, validateUpdate } = orgCluster;
export default orgCluster.default;
