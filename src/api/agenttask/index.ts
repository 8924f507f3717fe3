import type { AgentTask, AgentTaskSpec } from './types.js';

export type * from './types.js';
export { schema as agenttaskSchema } from './schema.generated.js';

/**
 * A new AgentTask with apiVersion and kind filled in (defaults are applied by the apiserver from the
 * CRD schema, and by `validate`'s callers through the same schema).
 * @example newAgentTask({ name: 'x', namespace: 'acme' }, { org: 'acme', ... })
 */
export function newAgentTask(metadata: { name: string; namespace?: string; labels?: Record<string, string> }, spec: AgentTaskSpec): AgentTask {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata, spec };
}
