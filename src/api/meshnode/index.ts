import type { MeshNode, MeshNodeSpec } from './types.js';

export type * from './types.js';
export { schema as meshnodeSchema } from './schema.generated.js';

/**
 * A new MeshNode with apiVersion and kind filled in (defaults are applied by the apiserver from the
 * CRD schema, and by `validate`'s callers through the same schema).
 * @example newMeshNode({ name: 'x' }, { org: 'acme', ... })
 */
export function newMeshNode(metadata: { name: string; namespace?: string; labels?: Record<string, string> }, spec: MeshNodeSpec): MeshNode {
  return { apiVersion: 'weft.dev/v1alpha1', kind: 'MeshNode', metadata, spec };
}
