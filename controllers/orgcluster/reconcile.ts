import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import type { ControllerContext } from '../context.js';
import { ORGCLUSTERS, SECRETS } from '../../src/api/resources.js';
import { kubeconfigProvider } from '../../src/cluster/providers/kubeconfig-provider.js';
import { kubeconfigSecretName } from '../../src/cluster/providers/access.js';
import { kubeConfigFromString, probeCluster } from '../../src/cluster/providers/probe.js';
import { ProvisionError, type ClusterProvider, type OrgClusterLike, type ProviderContext } from '../../src/cluster/providers/types.js';
import {
  ensureFinalizer,
  errorMessage,
  EventRecorder,
  isConflict,
  isDeleting,
  removeFinalizer,
  RestClient,
  TerminalError,
  updateStatusIfChanged,
  type Informer,
} from '../../src/runtime/index.js';
import { planOrgCluster, type ProvisionOutcome } from './plan.js';

export const ORGCLUSTER_FINALIZER = 'weft.dev/orgcluster-cleanup';

export interface OrgClusterControllerOptions {
  providers?: Partial<Record<string, ClusterProvider>>;
  /** How often a Ready cluster is probed (default 30 s). */
  probeIntervalMs?: number;
  stateDir?: string;
}

export { kubeconfigSecretName };

/** Registers the OrgCluster controller: provision through the provider, probe, report, clean up. */
export function setupOrgClusterController(ctx: ControllerContext, opts: OrgClusterControllerOptions = {}): void {
  const rest = new RestClient(ctx.kc);
  const talos = lazyProvider(async () => (await import('../../src/cluster/providers/talos-provider.js')).talosProvider());
  const providers: Partial<Record<string, ClusterProvider>> = { kubeconfig: kubeconfigProvider, local: localProvider, talos, ...opts.providers };
  const clusters: Informer<OrgClusterLike> = ctx.mgr.informer(ORGCLUSTERS);
  const events = new EventRecorder(rest, 'orgcluster', ctx.log);
  const pctx: ProviderContext = { rest, log: ctx.log, stateDir: opts.stateDir ?? join(process.env.WEFT_HOME ?? join(homedir(), '.weft'), 'operator') };
  const interval = opts.probeIntervalMs ?? 30_000;

  ctx.mgr.add({
    name: 'orgcluster',
    for: ORGCLUSTERS,
    // Only the Secrets this controller creates (labelled): caching every Secret of a cluster costs
    // memory and reads credentials the operator has no business holding.
    owns: [{ type: SECRETS, labelSelector: 'app.kubernetes.io/part-of=weft,weft.dev/orgcluster' }],
    reconcile: async ({ key, log }) => {
      let oc = clusters.get(key);
      if (!oc) return;
      const kind = oc.spec?.provider ?? '';
      const provider = providers[kind];
      if (isDeleting(oc)) {
        await provider?.deprovision(oc, pctx);
        await removeFinalizer(rest, ORGCLUSTERS, oc, ORGCLUSTER_FINALIZER);
        log.info('deprovisioned');
        return;
      }
      if (!provider) {
        throw new TerminalError(`spec.provider "${kind}" is not available; use one of: ${Object.keys(providers).filter((k) => providers[k]).sort().join(', ')}`, 'UnsupportedProvider');
      }
      oc = await ensureFinalizer(rest, ORGCLUSTERS, oc, ORGCLUSTER_FINALIZER);

      let outcome: ProvisionOutcome;
      let kubeconfig: string | undefined;
      try {
        const r = await provider.provision(oc, pctx);
        kubeconfig = r.kubeconfig;
        outcome = { ok: true, message: r.message };
        if (kind !== 'kubeconfig') await storeKubeconfig(rest, oc, kubeconfig);
      } catch (err) {
        if (!(err instanceof ProvisionError)) throw err;
        outcome = { ok: false, reason: err.reason, message: err.message };
      }
      const probe = kubeconfig ? await probeCluster(kubeConfigFromString(kubeconfig)) : undefined;
      const plan = planOrgCluster({ oc, provision: outcome, probe, now: new Date(), probeIntervalMs: interval });
      try {
        await updateStatusIfChanged(rest, ORGCLUSTERS, oc, plan.status);
      } catch (err) {
        if (!isConflict(err)) throw err;
        return { requeueAfterMs: 100 }; // the cache was stale: come back with a fresh read
      }
      if (plan.event) await events.record(oc, plan.event.type, plan.event.reason, plan.event.note);
      return { requeueAfterMs: plan.requeueAfterMs };
    },
  });
}

/**
 * A provider whose module is loaded when an OrgCluster first asks for it: the local one pulls in
 * client-node's generated API clients and the PKI (~50 MiB of RSS), talos execa (~7 MiB); an
 * operator that never provisions such a cluster should not carry them.
 */
function lazyProvider(load: () => Promise<ClusterProvider>): ClusterProvider {
  let provider: Promise<ClusterProvider> | undefined;
  const get = () => (provider ??= load());
  return {
    provision: async (oc, pctx) => (await get()).provision(oc, pctx),
    deprovision: async (oc, pctx) => (await get()).deprovision(oc, pctx),
  };
}

const importLocal = () => import('../../src/cluster/providers/local-provider.js');
let localModule: ReturnType<typeof importLocal> | undefined;
const localProvider = lazyProvider(async () => (await (localModule ??= importLocal())).localProvider);

/** Stops every local control plane this process started (operator shutdown); loads nothing if none was. */
export async function stopLocalClusters(): Promise<void> {
  if (localModule) await (await localModule).stopAllLocalClusters();
}

/** Writes (or refreshes) `<name>-kubeconfig`, owned by the OrgCluster so deletion removes it. */
async function storeKubeconfig(rest: RestClient, oc: OrgClusterLike, kubeconfig: string): Promise<void> {
  const name = kubeconfigSecretName(oc);
  const ns = oc.metadata!.namespace!;
  const data = { kubeconfig: Buffer.from(kubeconfig).toString('base64') };
  const body: V1Secret & KubernetesObject = {
    metadata: {
      name,
      namespace: ns,
      labels: { 'app.kubernetes.io/part-of': 'weft', 'weft.dev/orgcluster': oc.metadata!.name! },
      ownerReferences: [{ apiVersion: oc.apiVersion!, kind: 'OrgCluster', name: oc.metadata!.name!, uid: oc.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
    },
    type: 'Opaque',
    data,
  };
  try {
    const existing = await rest.get<V1Secret>(SECRETS, name, ns);
    if (existing.data?.kubeconfig === data.kubeconfig) return;
    await rest.replace(SECRETS, { ...existing, data });
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw new Error(`storing kubeconfig Secret ${ns}/${name}: ${errorMessage(err)}`);
    await rest.create(SECRETS, body);
  }
}
