import { withDefaults } from '../defaults.js';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { MeshNode, MeshNodeSpec, MeshNodeStatus } from './types.js';

export type * from './types.js';
export { schema as meshnodeSchema } from './schema.generated.js';

/**
 * A MeshNode as a planner reads it: every part optional (a partial object, a test fixture), the
 * shapes those of the generated {@link MeshNode}.
 */
export type ObservedMeshNode = { metadata?: Pick<V1ObjectMeta, 'name' | 'generation'>; spec?: Partial<MeshNodeSpec>; status?: MeshNodeStatus };

/** Metadata a new MeshNode needs (cluster-scoped: no namespace). */
export type MeshNodeMetadata = { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };

/**
 * A new MeshNode with apiVersion and kind set and the schema defaults applied (the same defaults
 * the apiserver applies, so what a controller builds is what it will read back).
 * @example newMeshNode({ name: 'box-1' }, { org: 'acme' })
 */
export function newMeshNode(metadata: MeshNodeMetadata, spec: MeshNodeSpec): MeshNode {
  return withDefaults<MeshNode>('MeshNode', { apiVersion: 'weft.dev/v1alpha1', kind: 'MeshNode', metadata: { ...metadata }, spec });
}

/** Is `obj` a MeshNode (by apiVersion and kind; not validated)? */
export function isMeshNode(obj: unknown): obj is MeshNode {
  const o = obj as { apiVersion?: unknown; kind?: unknown } | null;
  return o?.apiVersion === 'weft.dev/v1alpha1' && o.kind === 'MeshNode';
}
