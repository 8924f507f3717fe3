/**
 * Which store holds a run's artifacts, as the operator resolves it: a Job's own
 * `spec.artifacts.store` Secret (in the Job's namespace), else the operator's default store
 * (`--artifact-store NS/NAME`). Stores are opened once per Secret version and cached.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Job } from '../api/job/types.js';
import { JOBS, SECRETS } from '../api/resources.js';
import type { RestClient } from '../runtime/rest.js';
import { openStore, parseStoreSecret } from './config.js';
import { ArtifactConfigError } from './errors.js';
import type { ArtifactKind } from './manifest.js';
import type { ArtifactStore } from './store.js';

type Secret = KubernetesObject & { data?: Record<string, string>; stringData?: Record<string, string> };

export interface StoreResolverOptions {
  rest: RestClient;
  /** The operator's default store Secret (namespace/name), for runs that name none and for history. */
  defaultSecret?: { namespace: string; name: string };
}

/** A resolver for {@link registerArtifactRoutes} and the controllers (the same cache). */
export function storeResolver(o: StoreResolverOptions): (scope: { namespace: string; kind?: ArtifactKind; name?: string }) => Promise<ArtifactStore> {
  const cache = new Map<string, { version: string; store: ArtifactStore }>();
  const open = async (namespace: string, name: string): Promise<ArtifactStore> => {
    const secret = await o.rest.get<Secret>(SECRETS, name, namespace).catch((err: unknown) => {
      throw new ArtifactConfigError(`${namespace}/${name}`, '', `artifact store Secret "${namespace}/${name}" cannot be read: ${(err as Error).message}`);
    });
    const key = `${namespace}/${name}`;
    const version = secret.metadata?.resourceVersion ?? '';
    const hit = cache.get(key);
    if (hit && hit.version === version) return hit.store;
    const store = openStore(parseStoreSecret(secret));
    cache.set(key, { version, store });
    return store;
  };
  return async ({ namespace, kind, name }) => {
    if (kind === 'job' && name) {
      const job = await o.rest.get<Job & KubernetesObject>(JOBS, name, namespace).catch(() => undefined);
      const ref = job?.spec.artifacts?.store;
      if (ref?.name) return open(namespace, ref.name);
    }
    if (o.defaultSecret) return open(o.defaultSecret.namespace, o.defaultSecret.name);
    throw new ArtifactConfigError(`${namespace}/${name ?? ''}`, 'store', `no artifact store for ${kind ?? 'runs'} ${name ? `"${namespace}/${name}"` : `in namespace "${namespace}"`}: set the Job's spec.artifacts.store, or start the operator with --artifact-store NS/NAME`);
  };
}
