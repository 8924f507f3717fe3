import type { V1Secret } from '@kubernetes/client-node';
import type { KubeAccess } from '../../runtime/kubeconfig.js';
import { SECRETS } from '../../api/resources.js';
import type { RestClient } from '../../runtime/rest.js';
import { kubeconfigProvider } from './kubeconfig-provider.js';
import { kubeConfigFromString } from './probe.js';
import type { OrgClusterLike } from './types.js';

/** The Secret in which a Weft-provisioned cluster's kubeconfig is stored (owned by the OrgCluster). */
export const kubeconfigSecretName = (oc: OrgClusterLike) => `${oc.metadata!.name}-kubeconfig`;

/**
 * How to reach an OrgCluster's API server: the user's Secret for provider `kubeconfig`, else the
 * `<name>-kubeconfig` Secret the OrgCluster controller wrote. Errors say which Secret is missing.
 */
export async function orgClusterKubeConfig(rest: RestClient, oc: OrgClusterLike): Promise<KubeAccess> {
  if (oc.spec?.provider === 'kubeconfig') {
    const { kubeconfig } = await kubeconfigProvider.provision(oc, { rest } as Parameters<typeof kubeconfigProvider.provision>[1]);
    return kubeConfigFromString(kubeconfig);
  }
  const ns = oc.metadata!.namespace!;
  const name = kubeconfigSecretName(oc);
  const secret = await rest.get<V1Secret>(SECRETS, name, ns).catch((err: unknown) => {
    throw new Error(`Secret ${ns}/${name} with the cluster's kubeconfig is not readable (is the OrgCluster provisioned?): ${(err as Error).message}`, { cause: err });
  });
  return kubeConfigFromString(Buffer.from(secret.data?.kubeconfig ?? '', 'base64').toString('utf8'));
}
