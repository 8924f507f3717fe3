/**
 * MeshNode admission: schema and tag ownership of the tags it carries; defaults and the org label.
 * MeshNodes are registered by hosts (`weft agent`), not by org users: the tailnet ACL's org owners
 * do not apply.
 */
import { checkSchema, checkTagOwners, ownTags } from './checks.js';
import { defineWebhook } from './define.js';

const meshNode = defineWebhook({
  kind: 'MeshNode',
  plural: 'meshnodes',
  namespaced: false,
  checks: [checkSchema, (obj, old, r) => checkTagOwners(ownTags, obj, old, r)],
});
export const { kind, plural, namespaced, validateCreate, validateUpdate } = meshNode;
export default meshNode.default;
