import type { KubernetesObject } from '@kubernetes/client-node';
import type { RestClient, ResourceType } from './rest.js';

/** Does the object carry `finalizer`? */
export const hasFinalizer = (obj: KubernetesObject, finalizer: string): boolean =>
  obj.metadata?.finalizers?.includes(finalizer) ?? false;

/** Is the object being deleted (deletionTimestamp set, waiting for finalizers)? */
export const isDeleting = (obj: KubernetesObject): boolean => Boolean(obj.metadata?.deletionTimestamp);

/**
 * Adds `finalizer` if missing. The merge patch carries the resourceVersion, so a concurrent write
 * gives 409 Conflict (retried by the runtime) instead of silently dropping someone's finalizer.
 */
export async function ensureFinalizer<T extends KubernetesObject>(rest: RestClient, type: ResourceType, obj: T, finalizer: string): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  const finalizers = [...(obj.metadata?.finalizers ?? []), finalizer];
  return rest.patch<T>(type, ref(obj), { metadata: { finalizers, resourceVersion: obj.metadata?.resourceVersion } });
}

/** Removes `finalizer` (after cleanup), with the same optimistic concurrency. */
export async function removeFinalizer<T extends KubernetesObject>(rest: RestClient, type: ResourceType, obj: T, finalizer: string): Promise<T> {
  if (!hasFinalizer(obj, finalizer)) return obj;
  const finalizers = (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
  return rest.patch<T>(type, ref(obj), { metadata: { finalizers, resourceVersion: obj.metadata?.resourceVersion } });
}

function ref(obj: KubernetesObject): { name: string; namespace?: string } {
  return { name: obj.metadata!.name!, namespace: obj.metadata?.namespace };
}
