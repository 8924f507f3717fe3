import type { V1Secret } from '@kubernetes/client-node';
import { isNotFound } from '../../runtime/errors.js';
import { SECRETS } from '../../api/resources.js';
import { ProvisionError, type ClusterProvider, type OrgClusterLike, type ProviderContext } from './types.js';
import { kubeConfigFromString } from './probe.js';

/** Secret keys tried, in order, when `kubeconfigSecretRef.key` is not set (Cluster API uses `value`). */
export const DEFAULT_KUBECONFIG_KEYS = ['kubeconfig', 'value'];

/** Any existing cluster, reached through a kubeconfig stored in a Secret next to the OrgCluster. */
export const kubeconfigProvider: ClusterProvider = {
  async provision(oc: OrgClusterLike, ctx: ProviderContext) {
    const ref = oc.spec?.kubeconfigSecretRef;
    const ns = oc.metadata?.namespace ?? 'default';
    if (!ref?.name) throw new ProvisionError('MissingSecretRef', 'spec.kubeconfigSecretRef.name is required for provider "kubeconfig"');
    let secret: V1Secret;
    try {
      secret = await ctx.rest.get<V1Secret>(SECRETS, ref.name, ns);
    } catch (err) {
      if (isNotFound(err)) {
        throw new ProvisionError(
          'SecretNotFound',
          `Secret ${ns}/${ref.name} not found: create it with \`kubectl -n ${ns} create secret generic ${ref.name} --from-file=kubeconfig=PATH\``,
        );
      }
      throw err;
    }
    const keys = ref.key ? [ref.key] : DEFAULT_KUBECONFIG_KEYS;
    const key = keys.find((k) => secret.data?.[k] !== undefined);
    if (!key) {
      throw new ProvisionError('SecretKeyMissing', `Secret ${ns}/${ref.name} has no key ${keys.map((k) => `"${k}"`).join(' or ')} (it has: ${Object.keys(secret.data ?? {}).join(', ') || 'none'})`);
    }
    const kubeconfig = Buffer.from(secret.data![key]!, 'base64').toString('utf8');
    try {
      kubeConfigFromString(kubeconfig);
    } catch (err) {
      throw new ProvisionError('InvalidKubeconfig', `Secret ${ns}/${ref.name} key "${key}": ${(err as Error).message}`);
    }
    return { kubeconfig, message: `kubeconfig from Secret ${ns}/${ref.name}` };
  },
  async deprovision() {
    // The cluster is not Weft's: nothing to remove.
  },
};
