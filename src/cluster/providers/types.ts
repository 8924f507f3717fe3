import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { RestClient } from '../../runtime/rest.js';

/** The parts of an OrgCluster the providers and controller use (see docs/api.md for the full schema). */
export interface OrgClusterLike extends KubernetesObject {
  spec?: {
    org?: string;
    provider?: 'talos' | 'kubeconfig' | 'local';
    hosts?: string[];
    kubeconfigSecretRef?: { name: string; key?: string };
    talos?: { endpoints?: string[]; configSecretRef?: { name: string; key?: string }; version?: string };
    tags?: string[];
  };
  status?: Record<string, unknown> & { conditions?: Array<{ type: string; status: string; reason: string; message: string; lastTransitionTime: string }> };
}

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
