import type { Job, JobSpec } from './types.js';

export type * from './types.js';
export { schema as jobSchema } from './schema.generated.js';

/**
 * A new Job with apiVersion and kind filled in (defaults are applied by the apiserver from the
 * CRD schema, and by `validate`'s callers through the same schema).
 * @example newJob({ name: 'x', namespace: 'acme' }, { org: 'acme', ... })
 */
export function newJob(metadata: { name: string; namespace?: string; labels?: Record<string, string> }, spec: JobSpec): Job {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'Job', metadata, spec };
}
