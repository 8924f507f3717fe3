import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { LocalControlPlane } from '../local.js';
import { createFakeNodes } from '../kwok.js';
import { ORG_LABEL } from '../../api/labels.js';
import type { ClusterProvider, OrgClusterLike, ProviderContext } from './types.js';

/** Local control planes started by this operator process, by OrgCluster key. */
const running = new Map<string, Promise<LocalControlPlane>>();

const keyOf = (oc: OrgClusterLike) => `${oc.metadata?.namespace}/${oc.metadata?.name}`;
const dirOf = (oc: OrgClusterLike, ctx: ProviderContext) => join(ctx.stateDir, 'orgclusters', `${oc.metadata?.namespace}_${oc.metadata?.name}`);

/**
 * A real local control plane (etcd + kube-apiserver + KWOK) per OrgCluster, started by the operator
 * and stopped when the OrgCluster is deleted. Each host in `spec.hosts` becomes a simulated node.
 * Its processes live as long as the operator process: after an operator restart the next reconcile
 * starts a fresh one (state is not kept).
 */
export const localProvider: ClusterProvider = {
  async provision(oc, ctx) {
    const key = keyOf(oc);
    let cp = running.get(key);
    if (!cp) {
      cp = (async () => {
        const dir = dirOf(oc, ctx);
        await rm(dir, { recursive: true, force: true });
        const started = await LocalControlPlane.start({ dir, kwok: true });
        const hosts = oc.spec?.hosts ?? [];
        if (hosts.length > 0) await createFakeNodes(started.kubeConfig(), hosts.map((name) => ({ name, labels: { [ORG_LABEL]: oc.spec?.org ?? '' } })));
        ctx.log.info({ orgcluster: key, server: started.server, hosts }, 'local control plane started');
        return started;
      })();
      running.set(key, cp);
      cp.catch(() => running.delete(key));
    }
    const plane = await cp;
    return { kubeconfig: await readFile(plane.kubeconfigPath, 'utf8'), message: `local control plane at ${plane.server}` };
  },
  async deprovision(oc, ctx) {
    const key = keyOf(oc);
    const cp = running.get(key);
    running.delete(key);
    if (cp) await (await cp.catch(() => undefined))?.stop();
    await rm(dirOf(oc, ctx), { recursive: true, force: true });
  },
};

/** Stops every local control plane this process started (operator shutdown). */
export async function stopAllLocalClusters(): Promise<void> {
  const all = [...running.values()];
  running.clear();
  await Promise.allSettled(all.map(async (p) => (await p).stop()));
}

/** Keys of the running local clusters (tests, metrics). */
export function runningLocalClusters(): string[] {
  return [...running.keys()];
}
