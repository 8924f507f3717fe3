/**
 * AgentTask admission: schema, tag ownership of its placement tags and the tailnet ACL's owners of
 * its org; defaults and the org label. Not charged against quota itself: the Workload it owns
 * carries the charge (quota charges once).
 */
import { checkOrgOwner, checkSchema, checkTagOwners, placementTags } from './checks.js';
import { defineWebhook } from './define.js';

const agentTask = defineWebhook({
  kind: 'AgentTask',
  plural: 'agenttasks',
  namespaced: true,
  checks: [checkSchema, (obj, old, r) => checkTagOwners(placementTags, obj, old, r), checkOrgOwner],
});
export const { kind, plural, namespaced, validateCreate, validateUpdate } = agentTask;
export default agentTask.default;
