import { existsSync } from 'node:fs';
import { LightKubeConfig } from './kubeconfig.js';

/** Raised when no usable cluster credentials are found; the message lists what was tried. */
export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

/**
 * Loads cluster credentials the way Kubernetes tools do: `--kubeconfig`, else `$KUBECONFIG`, else
 * the in-cluster ServiceAccount, else `~/.kube/config`. Returns a {@link LightKubeConfig} (the
 * operator's runtime needs no more); `toClientNode()` gives client-node's KubeConfig for its
 * generated API clients.
 */
export function loadKubeConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): LightKubeConfig {
  const kc = new LightKubeConfig();
  if (path) {
    if (!existsSync(path)) throw new KubeconfigError(`--kubeconfig ${path}: file not found`);
    kc.loadFromFile(path);
  } else if (env.KUBECONFIG) {
    kc.loadFromDefault(env);
  } else if (env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault(env);
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeconfigError(
      'no Kubernetes cluster configured: pass --kubeconfig PATH, set KUBECONFIG, run in a pod, or start a local one with `weft cluster up`',
    );
  }
  return kc;
}
