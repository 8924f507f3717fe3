import { withDefaults } from '../defaults.js';
import type { Workload, WorkloadSpec } from './types.js';

export type * from './types.js';
export { schema as workloadSchema } from './schema.generated.js';

/** Metadata a new Workload needs (namespaced). */
export type WorkloadMetadata = { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

/**
 * A new Workload with apiVersion and kind set and the schema defaults applied (the same defaults
 * the apiserver applies, so what a controller builds is what it will read back).
 * @example newWorkload({ name: 'x', namespace: 'acme' }, { org: 'acme', ... })
 */
export function newWorkload(metadata: WorkloadMetadata, spec: WorkloadSpec): Workload {
  return withDefaults<Workload>('Workload', { apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { ...metadata }, spec });
}

/** Is `obj` a Workload (by apiVersion and kind; not validated)? */
export function isWorkload(obj: unknown): obj is Workload {
  const o = obj as { apiVersion?: unknown; kind?: unknown } | null;
  return o?.apiVersion === 'weft.dev/v1alpha1' && o.kind === 'Workload';
}
