/**
 * AgentTask admission: schema, tag ownership of its placement tags and the tailnet ACL's owners of
 * its org; defaults and the org label. Not charged against quota itself: the Workload it owns
 * carries the charge (quota charges once).
 */
import { checkOrgOwner, checkSchema, checkTagOwners, placementTags } from './checks.js';
import { defineWebhook, type KindCheck } from './define.js';
import { denied } from './checks.js';
import { agentSpecProblem } from '../src/agents/spec-check.js';
import type { AgentTask } from '../src/api/agenttask/types.js';

/** The driver's own fields: steps for scripted, command for command (the message names the field). */
const checkDriver: KindCheck = (obj, _old, r) => {
  const problem = agentSpecProblem((obj as unknown as AgentTask).spec);
  return problem ? denied(422, 'Invalid', `AgentTask ${r.name}: ${problem}`) : undefined;
};

const agentTask = defineWebhook({
  kind: 'AgentTask',
  plural: 'agenttasks',
  namespaced: true,
  checks: [checkSchema, checkDriver, (obj, old, r) => checkTagOwners(placementTags, obj, old, r), checkOrgOwner],
});
export const { kind, plural, namespaced, validateCreate, validateUpdate } = agentTask;
export default agentTask.default;
