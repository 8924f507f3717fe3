import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

/** Raised when no usable cluster credentials are found; the message lists what was tried. */
export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

/**
 * Loads cluster credentials the way Kubernetes tools do: `--kubeconfig`, else `$KUBECONFIG`, else
 * the in-cluster ServiceAccount, else `~/.kube/config`.
 */
export function loadKubeConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (path) {
    if (!existsSync(path)) throw new KubeconfigError(`--kubeconfig ${path}: file not found`);
    kc.loadFromFile(path);
  } else if (env.KUBECONFIG) {
    kc.loadFromDefault();
  } else if (env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeconfigError(
      'no Kubernetes cluster configured: pass --kubeconfig PATH, set KUBECONFIG, run in a pod, or start a local one with `weft cluster up`',
    );
  }
  return kc;
}
