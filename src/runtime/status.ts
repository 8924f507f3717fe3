import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { RestClient, ResourceType } from './rest.js';

/**
 * Writes `status` through the status subresource only when it differs from what the object has,
 * so an idle controller makes no writes (and no watch events for everyone else). Uses the object's
 * resourceVersion: a stale read gives 409 Conflict and the runtime retries with a fresh read.
 * Returns the updated object, or the input when nothing changed.
 */
export async function updateStatusIfChanged<T extends KubernetesObject & { status?: unknown }>(
  rest: RestClient,
  type: ResourceType,
  obj: T,
  status: T['status'],
): Promise<T> {
  if (isDeepStrictEqual(stripUndefined(obj.status), stripUndefined(status))) return obj;
  return rest.replace<T>(type, { ...obj, status }, 'status');
}

/** JSON round trip drops undefined members, as the apiserver would. */
export function stripUndefined<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}
