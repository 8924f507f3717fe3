import { withDefaults } from '../defaults.js';
import type { AgentTask, AgentTaskSpec } from './types.js';

export type * from './types.js';
export { schema as agenttaskSchema } from './schema.generated.js';

/** Metadata a new AgentTask needs (namespaced). */
export type AgentTaskMetadata = { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

/**
 * A new AgentTask with apiVersion and kind set and the schema defaults applied (the same defaults
 * the apiserver applies, so what a controller builds is what it will read back).
 * @example newAgentTask({ name: 'x', namespace: 'acme' }, { org: 'acme', ... })
 */
export function newAgentTask(metadata: AgentTaskMetadata, spec: AgentTaskSpec): AgentTask {
  return withDefaults<AgentTask>('AgentTask', { apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata: { ...metadata }, spec });
}

/** Is `obj` an AgentTask (by apiVersion and kind; not validated)? */
export function isAgentTask(obj: unknown): obj is AgentTask {
  const o = obj as { apiVersion?: unknown; kind?: unknown } | null;
  return o?.apiVersion === 'weft.dev/v1alpha1' && o.kind === 'AgentTask';
}
