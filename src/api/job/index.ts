import { withDefaults } from '../defaults.js';
import type { Job, JobSpec } from './types.js';

export type * from './types.js';
export { schema as jobSchema } from './schema.generated.js';

/** Metadata a new Job needs (namespaced). */
export type JobMetadata = { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

/**
 * A new Job with apiVersion and kind set and the schema defaults applied (the same defaults
 * the apiserver applies, so what a controller builds is what it will read back).
 * @example newJob({ name: 'x', namespace: 'acme' }, { org: 'acme', ... })
 */
export function newJob(metadata: JobMetadata, spec: JobSpec): Job {
  return withDefaults<Job>('Job', { apiVersion: 'weft.dev/v1alpha1', kind: 'Job', metadata: { ...metadata }, spec });
}

/** Is `obj` a Job (by apiVersion and kind; not validated)? */
export function isJob(obj: unknown): obj is Job {
  const o = obj as { apiVersion?: unknown; kind?: unknown } | null;
  return o?.apiVersion === 'weft.dev/v1alpha1' && o.kind === 'Job';
}
