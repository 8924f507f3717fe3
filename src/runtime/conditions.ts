/**
 * Condition helpers with metav1 semantics. They live with the API types in src/api/common (every
 * kind's status uses them); re-exported here for controllers that import the runtime.
 */
export * from '../api/common/conditions.js';
