/**
 * Admission in the operator: the `weft-policy` ConfigMap (last good version kept), quota usage
 * from the Workload and Job caches, the webhook server, and (optionally) the registration of the
 * webhook configurations with the apiserver.
 */
import type { KubeConfig, KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { OperatorConfig } from '../src/config/operator.js';
import { CONFIGMAPS, JOBS, WORKLOADS } from '../src/api/resources.js';
import type { PolicyStore } from '../src/policy/acl/index.js';
import { EMPTY_POLICY, parseWeftPolicy, WEFT_POLICY_CONFIGMAP, WEFT_POLICY_KEY, type WeftPolicy } from '../src/policy/weft-policy.js';
import { errorMessage } from '../src/runtime/errors.js';
import type { Manager } from '../src/runtime/manager.js';
import { RestClient } from '../src/runtime/rest.js';
import { chargeOf, isCharged, standingCharge, UsageLedger, type ChargedKind } from '../src/policy/quota.js';
import { registerWebhooks, type WebhookEndpoint } from './register.js';
import { enabledWebhooks } from './index.js';
import { mutateAdmission, validateAdmission, type AdmissionContext } from './review.js';
import type { WebhookServer } from './server.js';
import type { OperatorCAState } from '../src/pki/ca-store.js';
import type { LightKubeConfig } from '../src/runtime/kubeconfig.js';

export interface AdmissionSetup {
  /** The decisions' inputs (policy, usage, ACL), when webhooks are served. */
  ctx?: AdmissionContext;
  server?: WebhookServer;
  stop(): Promise<void>;
}

/** Keeps the parsed `weft-policy` ConfigMap; an invalid edit is logged and the last good one stays. */
export function watchWeftPolicy(mgr: Manager, namespace: string, log: Logger): { policy: () => WeftPolicy; synced: () => boolean } {
  let current = EMPTY_POLICY;
  const maps = mgr.informer<V1ConfigMap & KubernetesObject>(CONFIGMAPS, namespace);
  maps.on((event, cm) => {
    if (cm.metadata?.name !== WEFT_POLICY_CONFIGMAP) return;
    if (event === 'delete') {
      current = EMPTY_POLICY;
      log.warn({ configmap: `${namespace}/${WEFT_POLICY_CONFIGMAP}` }, 'weft-policy deleted: no quotas or tag owners in force');
      return;
    }
    try {
      current = parseWeftPolicy(cm.data?.[WEFT_POLICY_KEY]);
      log.info({ configmap: `${namespace}/${WEFT_POLICY_CONFIGMAP}`, orgs: Object.keys(current.orgs).length, tagOwners: current.tagOwners.length }, 'weft-policy loaded');
    } catch (err) {
      log.error({ configmap: `${namespace}/${WEFT_POLICY_CONFIGMAP}`, err: errorMessage(err) }, 'weft-policy rejected; the previous policy stays in force');
    }
  });
  return { policy: () => current, synced: () => maps.hasSynced() };
}

/** Feeds quota usage from the Workload and Job caches. */
export function trackUsage(mgr: Manager, ledger: UsageLedger, log: Logger, jobs = true): () => boolean {
  // With the Jobs gate off no Job runs, so none is charged (and none is watched).
  const kinds = jobs ? ([[WORKLOADS, 'Workload'], [JOBS, 'Job']] as const) : ([[WORKLOADS, 'Workload']] as const);
  const informers = kinds.map(([t]) => mgr.informer(t));
  for (const [i, [, kind]] of kinds.entries()) {
    informers[i]!.on((event, obj) => {
      const key = `${kind}/${obj.metadata!.namespace}/${obj.metadata!.name}`;
      try {
        ledger.observe(key, event !== 'delete' && isCharged(obj) ? standingCharge(chargeOf(kind as ChargedKind, obj)) : undefined);
      } catch (err) {
        log.warn({ object: key, err: errorMessage(err) }, 'cannot account for an object in quota usage');
      }
    });
  }
  return () => informers.every((i) => i.hasSynced());
}

export interface AdmissionOptions {
  kc: LightKubeConfig;
  mgr: Manager;
  cfg: OperatorConfig;
  log: Logger;
  metrics?: Registry;
  acl?: PolicyStore;
}

/** Sets up admission when `cfg.webhooks` asks for it: policy and usage caches, the server, the registration. */
export async function setupAdmission(o: AdmissionOptions): Promise<AdmissionSetup> {
  const w = o.cfg.webhooks;
  // Without webhooks nothing reads quota usage or the policy: no informers for them at start-up.
  if (!w.serve) return { stop: async () => {} };
  const log = o.log.child({ component: 'admission' });
  const ledger = new UsageLedger();
  const usageSynced = trackUsage(o.mgr, ledger, log, o.cfg.featureGates.Jobs);
  // A kind whose feature gate is off gets no webhook: not served, not registered (docs/feature-gates.md).
  const hooks = enabledWebhooks(o.cfg.featureGates);
  const { policy, synced: policySynced } = watchWeftPolicy(o.mgr, o.cfg.namespace, log);
  const operatorSaPrefix = `system:serviceaccount:${o.cfg.namespace}:`;
  const ctx: AdmissionContext = {
    policy,
    ledger,
    ready: () => usageSynced() && policySynced(),
    acl: o.acl && o.cfg.featureGates.MeshACL ? () => o.acl!.current() : undefined,
    aclExempt: (u) => (u.groups ?? []).includes('system:masters') || (u.username ?? '').startsWith(operatorSaPrefix),
  };
  // The PKI and the HTTPS server are loaded only when webhooks are served (memory: docs/runtime.md).
  const [{ ensureOperatorCAState }, { startWebhookServer }] = await Promise.all([import('../src/pki/ca-store.js'), import('./server.js')]);
  const kcNode = await o.kc.toClientNode();
  // trustPem (ca.crt): the CA bundle the apiserver trusts (the CA, plus the previous one while it is rotated).
  const state = await ensureOperatorCAState(kcNode, o.cfg.namespace);
  const svc = w.service ?? 'weft-operator';
  const server = await startWebhookServer({
    host: o.cfg.webhook.host,
    port: o.cfg.webhook.port,
    ca: state.ca,
    dnsNames: [svc, `${svc}.${o.cfg.namespace}`, `${svc}.${o.cfg.namespace}.svc`],
    // Right after a start the caches may still be filling: wait a little (within the apiserver's
    // 5 s timeout) rather than refuse at once.
    validate: async (req, hook) => {
      for (let waited = 0; !ctx.ready!() && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      return validateAdmission(req, ctx, hook);
    },
    mutate: (req, hook) => mutateAdmission(req, hook),
    log,
    metrics: o.metrics,
    hooks,
  });
  const endpoint: WebhookEndpoint | undefined =
    w.url === 'auto' ? { url: server.url } : w.url ? { url: w.url } : w.service ? { service: { namespace: o.cfg.namespace, name: w.service, port: o.cfg.webhook.port || 9443 } } : undefined;
  if (endpoint) {
    // --shard: the apiserver sends this operator only its shard's objects (docs/deploy.md "Canary").
    const objectSelector = o.cfg.shard?.toK8s();
    const stopWatch = await registerAndFollow({ kc: kcNode, cfg: o.cfg, log, server, state, register: (caPem) => registerWebhooks(new RestClient(o.kc), { name: w.configName, endpoint, caPem, hooks, ...(objectSelector ? { objectSelector } : {}) }) });
    log.info({ endpoint, config: w.configName, shard: o.cfg.shard?.text, kinds: hooks.map((h) => h.kind) }, 'admission webhooks registered');
    return {
      ctx,
      server,
      stop: async () => {
        stopWatch();
        await server.stop();
      },
    };
  } else {
    log.warn({ url: server.url }, 'admission webhook server running but not registered: pass --webhook-url or --webhook-service');
  }
  return { ctx, server, stop: () => server.stop() };
}

/** How long the apiserver is given to pick up a changed caBundle before the serving certificate changes CA. */
const CA_BUNDLE_PROPAGATION_MS = 5000;

/**
 * Registers the webhooks with the CA bundle, then follows the CA's rotation
 * (docs/rollback/rotate-operator-ca.sh) without downtime: the apiserver gets the new bundle (old and
 * new CA) before the serving certificate comes from the new CA. Returns what stops following.
 */
async function registerAndFollow(o: {
  kc: KubeConfig;
  cfg: OperatorConfig;
  log: Logger;
  server: WebhookServer;
  state: OperatorCAState;
  register: (caPem: string) => Promise<unknown>;
}): Promise<() => void> {
  const { watchOperatorCA, CA_POLL_MS } = await import('../src/pki/ca-store.js');
  await o.register(o.state.trustPem);
  return watchOperatorCA(o.kc, o.cfg.namespace, {
    intervalMs: CA_POLL_MS,
    since: o.state.resourceVersion,
    onChange: async (s) => {
      await o.register(s.trustPem);
      if (s.ca.certPem !== o.server.serving.authorityPem()) {
        // The apiserver applies a changed caBundle from its own watch, a moment later: switch after it has.
        await new Promise((r) => setTimeout(r, CA_BUNDLE_PROPAGATION_MS));
        await o.server.serving.setAuthority(s.ca);
      }
      o.log.info({ config: o.cfg.webhooks.configName, trusted: s.trustPem.split('BEGIN CERTIFICATE').length - 1 }, 'operator CA changed: webhook caBundle and serving certificate updated');
    },
    onError: (err) => o.log.warn({ err: errorMessage(err) }, 'cannot read the operator CA Secret; will retry'),
  });
}
