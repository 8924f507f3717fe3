// Public API of the Headscale ACL policy evaluator. See docs/acl.md.

export { benchDecisions, benchPolicyText } from './bench.js';
export { formatProblem, PolicyTestError, PolicyValidationError, type PolicyProblem, type PolicyTestFailure } from './errors.js';
export { decide, identityOf } from './evaluate.js';
export { parseHuJson, PolicyParseError, type JsonValue, type SourcePosition } from './hujson.js';
export { canApplyTag, ownersOf } from './owners.js';
export { parsePolicy, POLICY_KEYS } from './policy.js';
export { loadPolicy, runTests, synthesizeDevices, type AliasResolver, type RunTestsOptions } from './policy-tests.js';
export { createDebouncer, PolicyStore, type PolicyWatch, type UpdateResult, type WatchHandlers } from './store.js';
export type { Decision, DecisionRequest, Device, Policy, TransportProto } from './types.js';
