/**
 * The Weft API (`weft.dev/v1alpha1`) in one import: the types of every kind (generated from
 * src/api/<kind>/schema.yaml), constructors, the validator, defaults, and the shared helpers for
 * quantities, tags and conditions.
 * @example import { newWorkload, validate, addQuantities, setCondition } from '../api/index.js';
 */
export type * from './common/types.js';
export * from './common/quantity.js';
export * from './common/quantity-math.js';
export * from './common/tags.js';
export {
  CONDITION_MESSAGE_MAX_LENGTH,
  CONDITION_REASON_PATTERN,
  CONDITION_TYPE_PATTERN,
  ConditionError,
  findCondition,
  isFalse,
  isTrue,
  metaTime,
  removeCondition,
  setCondition,
  setConditions,
  type ConditionInput,
  type SetConditionOptions,
} from './common/conditions.js';
export * from './validate.js';
export * from './defaults.js';
export * from './meshnode/index.js';
export * from './orgcluster/index.js';
export * from './workload/index.js';
export * from './agenttask/index.js';
export * from './job/index.js';
