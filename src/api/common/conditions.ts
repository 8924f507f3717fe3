/** Condition helpers with metav1 semantics, shared by every kind (implemented in the runtime). */
export { findCondition, isTrue, setCondition, setConditions, type Condition, type ConditionInput } from '../../runtime/conditions.js';
