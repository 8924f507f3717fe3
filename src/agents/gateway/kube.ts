import type { V1Secret } from '@kubernetes/client-node';
import type { AgentTask } from '../../api/agenttask/index.js';
import { AGENTTASKS, SECRETS } from '../../api/resources.js';
import { AsyncTtlCache, isNotFound, type RestClient } from '../../runtime/index.js';
import { GatewayError } from './errors.js';
import { GATEWAY_AUDIENCE, type TaskKey, type TokenReviewStatus } from './identity.js';
import type { LlmEndpoint } from './upstream.js';

/** The Secret key of the endpoint's base URL. */
export const ENDPOINT_URL_KEY = 'url';
/** The Secret key of the API key when `endpointSecretRef.key` is not set. */
export const ENDPOINT_DEFAULT_KEY = 'apiKey';

/**
 * TokenReview against the apiserver with the audience `weft` (the operator needs `create` on
 * `tokenreviews.authentication.k8s.io`).
 */
export function kubeTokenReview(rest: RestClient): (token: string) => Promise<TokenReviewStatus> {
  return async (token) => {
    const res = await rest.request<{ status?: TokenReviewStatus }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [GATEWAY_AUDIENCE] } },
    });
    return res.status ?? {};
  };
}

/** Reads an AgentTask with a GET (an informer cache's lookup is the cheaper choice in the operator). */
export function kubeTaskLoader(rest: RestClient): (task: TaskKey) => Promise<AgentTask | undefined> {
  return async (task) => {
    try {
      return await rest.get<AgentTask>(AGENTTASKS, task.name, task.namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
}

/** What {@link cachedTaskLoader} reads: the operator's AgentTask informer. */
export interface TaskCache {
  hasSynced(): boolean;
  /** By `namespace/name`. */
  get(key: string): AgentTask | undefined;
}

/**
 * Reads AgentTasks from the operator's informer cache, with no request to the apiserver on an LLM or
 * git call's path; before the cache's first sync, and for a task it does not hold (just created, or
 * gone), `fallback` asks the apiserver.
 */
export function cachedTaskLoader(cache: TaskCache, fallback: (task: TaskKey) => Promise<AgentTask | undefined>): (task: TaskKey) => Promise<AgentTask | undefined> {
  return async (task) => (cache.hasSynced() ? cache.get(`${task.namespace}/${task.name}`) : undefined) ?? fallback(task);
}

/** How long {@link cachedSecretReader} reuses a Secret it read. */
export const SECRET_CACHE_MS = 10_000;

/**
 * A {@link SecretReader} that reuses what it read for `ttlMs` (default 10 s), so that the endpoint's
 * key is not fetched from the apiserver on every LLM call: a changed Secret is used within that time.
 * A missing Secret is not remembered (creating it takes effect at once); concurrent reads of one
 * Secret share one request; failures are not cached.
 */
export function cachedSecretReader(read: SecretReader, o: { ttlMs?: number; now?: () => number } = {}): SecretReader {
  const cache = new AsyncTtlCache<Record<string, string>>({ ttlMs: o.ttlMs ?? SECRET_CACHE_MS, maxEntries: 1000, ...(o.now ? { now: o.now } : {}) });
  return (namespace, name) => cache.get(`${namespace}/${name}`, () => read(namespace, name));
}

/** Reads a Secret's data (decoded), or undefined when it does not exist. */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string> | undefined>;

/** A {@link SecretReader} over the Kubernetes API. */
export function kubeSecretReader(rest: RestClient): SecretReader {
  return async (namespace, name) => {
    try {
      const s = await rest.get<V1Secret>(SECRETS, name, namespace);
      const out: Record<string, string> = { ...(s.stringData ?? {}) };
      for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
      return out;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
}

/**
 * The endpoint of a task from the Secret named by `spec.agent.endpointSecretRef`: key `url` and
 * the API key under `endpointSecretRef.key` (default `apiKey`). Problems are 500
 * {@link GatewayError}s naming the task, the Secret and the key (never the key's value).
 */
export function endpointFromSecret(read: SecretReader): (task: AgentTask) => Promise<LlmEndpoint> {
  return async (task) => {
    const ns = task.metadata.namespace ?? '';
    const at = `AgentTask ${ns}/${task.metadata.name ?? ''}`;
    const ref = task.spec.agent?.endpointSecretRef;
    if (!ref) throw new GatewayError(500, 'EndpointNotConfigured', `${at} has no spec.agent.endpointSecretRef: name a Secret with keys "${ENDPOINT_URL_KEY}" and "${ENDPOINT_DEFAULT_KEY}"`);
    const data = await read(ns, ref.name);
    if (!data) throw new GatewayError(500, 'EndpointNotConfigured', `${at}: Secret ${ns}/${ref.name} (spec.agent.endpointSecretRef) does not exist`);
    const keyName = ref.key ?? ENDPOINT_DEFAULT_KEY;
    const url = data[ENDPOINT_URL_KEY]?.trim();
    const apiKey = data[keyName]?.trim();
    if (!url || !/^https?:\/\//.test(url)) throw new GatewayError(500, 'EndpointNotConfigured', `${at}: Secret ${ns}/${ref.name} needs key "${ENDPOINT_URL_KEY}" with an http(s) URL, e.g. https://api.openai.com`);
    if (!apiKey) throw new GatewayError(500, 'EndpointNotConfigured', `${at}: Secret ${ns}/${ref.name} has no key "${keyName}" (the API key)`);
    return { url, apiKey };
  };
}
