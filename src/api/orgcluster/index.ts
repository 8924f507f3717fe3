import { withDefaults } from '../defaults.js';
import type { OrgCluster, OrgClusterSpec } from './types.js';

export type * from './types.js';
export { schema as orgclusterSchema } from './schema.generated.js';

/** Metadata a new OrgCluster needs (namespaced). */
export type OrgClusterMetadata = { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

/**
 * A new OrgCluster with apiVersion and kind set and the schema defaults applied (the same defaults
 * the apiserver applies, so what a controller builds is what it will read back).
 * @example newOrgCluster({ name: 'x', namespace: 'acme' }, { org: 'acme', ... })
 */
export function newOrgCluster(metadata: OrgClusterMetadata, spec: OrgClusterSpec): OrgCluster {
  return withDefaults<OrgCluster>('OrgCluster', { apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata: { ...metadata }, spec });
}

/** Is `obj` an OrgCluster (by apiVersion and kind; not validated)? */
export function isOrgCluster(obj: unknown): obj is OrgCluster {
  const o = obj as { apiVersion?: unknown; kind?: unknown } | null;
  return o?.apiVersion === 'weft.dev/v1alpha1' && o.kind === 'OrgCluster';
}
