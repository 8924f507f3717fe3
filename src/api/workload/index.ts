import type { Workload, WorkloadSpec } from './types.js';

export type * from './types.js';
export { schema as workloadSchema } from './schema.generated.js';

/**
 * A new Workload with apiVersion and kind filled in (defaults are applied by the apiserver from the
 * CRD schema, and by `validate`'s callers through the same schema).
 * @example newWorkload({ name: 'x', namespace: 'acme' }, { org: 'acme', ... })
 */
export function newWorkload(metadata: { name: string; namespace?: string; labels?: Record<string, string> }, spec: WorkloadSpec): Workload {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata, spec };
}
