import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OrgClusterSpec, OrgClusterStatus } from '../../api/orgcluster/types.js';
import type { RestClient } from '../../runtime/rest.js';

/**
 * An OrgCluster as the providers and the controller read it: the generated type, every part
 * optional (a partial read, a test fixture).
 */
export type OrgClusterLike = KubernetesObject & { spec?: Partial<OrgClusterSpec>; status?: OrgClusterStatus };

/** Raised when provisioning cannot proceed until the user fixes something (named in the message). */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ProviderContext {
  rest: RestClient;
  log: Logger;
  /** Where providers keep local state (local control planes, talos configs). */
  stateDir: string;
}

/** One way of getting a Kubernetes cluster for an organisation. */
export interface ClusterProvider {
  /** Makes sure the cluster exists and returns an admin kubeconfig (YAML). Throws ProvisionError on user errors. */
  provision(oc: OrgClusterLike, ctx: ProviderContext): Promise<{ kubeconfig: string; message: string }>;
  /** Removes what provision created (a no-op for clusters Weft does not own). */
  deprovision(oc: OrgClusterLike, ctx: ProviderContext): Promise<void>;
}
