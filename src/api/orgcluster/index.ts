import type { OrgCluster, OrgClusterSpec } from './types.js';

export type * from './types.js';
export { schema as orgclusterSchema } from './schema.generated.js';

/**
 * A new OrgCluster with apiVersion and kind filled in (defaults are applied by the apiserver from the
 * CRD schema, and by `validate`'s callers through the same schema).
 * @example newOrgCluster({ name: 'x', namespace: 'acme' }, { org: 'acme', ... })
 */
export function newOrgCluster(metadata: { name: string; namespace?: string; labels?: Record<string, string> }, spec: OrgClusterSpec): OrgCluster {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata, spec };
}
