import type { AgentTask } from '../../../api/agenttask/index.js';
import { GatewayError } from '../errors.js';
import type { SecretReader } from '../kube.js';
import type { RadicleForgeOptions } from '../../../forge/radicle.js';
import { checkUpstreamUrl, type UpstreamRepo } from './mirror.js';

/** The Secret key of the forge token when `spec.repo.credentialsSecretRef.key` is not set. */
export const REPO_TOKEN_DEFAULT_KEY = 'token';

/**
 * The task's real repository for the git gateway: `spec.repo.url` and the token in the Secret of
 * `spec.repo.credentialsSecretRef` (key `token` unless the ref names one), read by the operator
 * only. No ref means an anonymous upstream. A Radicle repository id (`rad:z…`) is fetched and pushed
 * as the operator's Radicle identity (`radicle`; no Secret). Problems are 500 {@link GatewayError}s naming the
 * task, the field, the Secret and the key (never the token).
 * @example const loadUpstream = upstreamFromSecret(kubeSecretReader(rest));
 */
export function upstreamFromSecret(read: SecretReader, radicle?: RadicleForgeOptions): (task: AgentTask) => Promise<UpstreamRepo> {
  return async (task) => {
    const ns = task.metadata.namespace ?? '';
    const at = `AgentTask ${ns}/${task.metadata.name ?? ''}`;
    const url = task.spec.repo.url.trim();
    checkUpstreamUrl(at, url, { radicle: radicle !== undefined });
    const base = { url, ...(task.spec.repo.baseBranch ? { baseBranch: task.spec.repo.baseBranch } : {}) };
    if (url.startsWith('rad:')) return { ...base, radicle: radicle! };
    const ref = task.spec.repo.credentialsSecretRef;
    if (!ref) return base;
    const data = await read(ns, ref.name);
    if (!data) throw new GatewayError(500, 'EndpointNotConfigured', `${at}: Secret ${ns}/${ref.name} (spec.repo.credentialsSecretRef) does not exist; create it with: kubectl -n ${ns} create secret generic ${ref.name} --from-literal=${REPO_TOKEN_DEFAULT_KEY}=<forge token>`);
    const key = ref.key ?? REPO_TOKEN_DEFAULT_KEY;
    const token = data[key]?.trim();
    if (!token) throw new GatewayError(500, 'EndpointNotConfigured', `${at}: Secret ${ns}/${ref.name} (spec.repo.credentialsSecretRef) has no key "${key}" (keys: ${Object.keys(data).join(', ') || 'none'})`);
    return { ...base, token };
  };
}
