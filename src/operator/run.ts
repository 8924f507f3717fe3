import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { ControllerContext } from '../../controllers/context.js';
import type { OperatorConfig } from '../config/operator.js';
import { formatFeatureGates } from '../config/features.js';
import { buildHttpServer, newMetricsRegistry } from '../server/http.js';
import { Readiness } from '../runtime/readiness.js';
import { versionInfo } from '../version.js';
import { ApiServerProbe } from './apiserver-probe.js';
import { loadKubeConfig } from '../runtime/load-kubeconfig.js';
import { CONTROLLERS } from './controllers.js';
import { Manager } from '../runtime/manager.js';
import { RestClient } from '../runtime/rest.js';
import { ensureNamespace } from '../runtime/namespace.js';
import { errorMessage } from '../runtime/errors.js';
import { registerReadApi } from '../server/api/routes.js';
import { registerNodeWrites } from '../server/api/writes.js';
import type { Server as HttpsServer } from 'node:https';
import type { LightKubeConfig } from '../runtime/kubeconfig.js';
import { mtlsServerOptions, secureContextFor } from '../pki/mtls.js';
import { SchedulingState } from '../placement/state.js';
import { ClusterConnections } from '../cluster/connections.js';
import { setupAdmission } from '../../webhooks/setup.js';
import type { WebhookServer } from '../../webhooks/server.js';
import { registerScheduleApi } from '../server/api/schedule.js';
import { registerDashboard } from '../server/dashboard/routes.js';
import { registerAccessGuard } from '../server/dashboard/guard.js';
import { startOperatorTracing } from '../telemetry/operator.js';
import { AgentSignals } from '../agents/signals.js';
import { tracesUrl } from '../telemetry/options.js';
import { AGENTTASKS, WEFT_GROUP } from '../api/resources.js';
import type { AgentTask } from '../api/agenttask/index.js';

/** A running operator: its HTTP address and a way to stop it gracefully. */
export interface RunningOperator {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:8080. */
  url: string;
  app: FastifyInstance;
  mgr: Manager;
  scheduling: SchedulingState;
  /** What the LLM gateway and the AgentTask controller share (with the AgentTasks gate). */
  agentSignals?: AgentSignals;
  /** The admission webhook server, when it runs. */
  webhook?: WebhookServer;
  stop(): Promise<void>;
}

export interface RunOperatorOptions {
  /** Controllers to run (default: CONTROLLERS). */
  controllers?: typeof CONTROLLERS;
  /** Extra HTTP routes (API, dashboard). */
  routes?: (app: FastifyInstance) => Promise<void> | void;
}

/**
 * Starts the operator process: loads cluster credentials, serves `/health`, `/readyz` (ready once
 * the apiserver answers), `/metrics` and `/openapi.json`. Controllers (later issues) hook in here.
 */
export async function runOperator(cfg: OperatorConfig, log: Logger, opts: RunOperatorOptions = {}): Promise<RunningOperator> {
  const kc = loadKubeConfig(cfg.kubeconfig);
  const metrics = newMetricsRegistry();
  const { version } = versionInfo();
  new Gauge({ name: 'weft_build_info', help: 'Weft build information', labelNames: ['version', 'node'], registers: [metrics] })
    .labels(version, process.version)
    .set(1);
  const readiness = new Readiness();
  const probe = await startApiServerProbe(kc, readiness, metrics);
  const rest = new RestClient(kc);
  await ensureOperatorNamespace(rest, cfg.namespace, log);

  const mgr = new Manager(kc, {
    log,
    metrics,
    readiness,
    leaderElection: cfg.leaderElect ? { namespace: cfg.namespace, name: leaseName(cfg) } : undefined,
    // --shard (docs/deploy.md "Canary"): only the matching Weft objects are reconciled here.
    shard: shardOf(cfg),
  });
  const cleanups: Array<() => Promise<void>> = [];
  // Tracing (issue 20, docs/observability.md): OTLP export of reconcile and webhook spans, off unless --otlp-endpoint.
  cleanups.push(await startOperatorTracing(cfg, log));
  const scheduling = new SchedulingState(mgr, log.child({ component: 'scheduler' }));
  // One pod watch per OrgCluster API server and identity, for the Workload controller, the dashboard and the read API.
  const connections = new ClusterConnections({ hub: rest, log: log.child({ component: 'cluster-connections' }) });
  const mesh = await startMesh(cfg, log);
  if (mesh) cleanups.push(mesh.stop);
  // The agent gateway (LLM routes) and the AgentTask controller share these signals.
  const agentSignals = cfg.featureGates.AgentTasks ? new AgentSignals() : undefined;
  // code-server attach (docs/agenttask.md "Attach with code-server"): the key its passwords derive from.
  const codeServer = cfg.featureGates.AgentTasks ? await loadAttachKey(rest, cfg.namespace, log) : undefined;
  const ctx: ControllerContext = { kc, mgr, cfg, log, scheduling, mesh: mesh?.provider, connections, agentSignals, codeServer };
  cleanups.push(...setupControllers(ctx, opts.controllers));
  const admission = await setupAdmission({ kc, mgr, cfg, log, metrics, acl: mesh?.store });
  cleanups.push(admission.stop);
  const tls = cfg.httpTls ? await operatorTls(kc, cfg.namespace) : undefined;
  const deviceAuthorization = Boolean(mesh && cfg.featureGates.MeshACL);
  const app = await buildHttpServer({
    https: tls ? { ...mtlsServerOptions(tls.serving.current(), tls.trust.pem), rejectUnauthorized: false } : undefined,
    logger: log,
    readiness,
    metrics,
    routes: async (a) => {
      if (mesh && deviceAuthorization) mesh.guard(a);
      // Every /api/ route: TokenReview or operator-CA certificate, then RBAC (docs/dashboard.md).
      registerAccessGuard(a, { rest, log: log.child({ component: 'api-access' }), deviceAuthorization });
      registerReadApi(a, { mgr, rest, connections });
      registerNodeWrites(a, rest);
      registerScheduleApi(a, { scheduling, rest });
      // Dashboard (UI, /api/v1/dashboard, RBAC on API writes): src/server/dashboard, docs/dashboard.md.
      cleanups.push(registerDashboard(a, { mgr, rest, connections, log: log.child({ component: 'dashboard' }), deviceAuthorization }).stop);
      if (agentSignals) {
        // The agent gateway: pods authenticate with their projected token (docs/agenttask.md).
        const { registerAgentGateway } = await import('../agents/setup.js');
        const gw = registerAgentGateway(a, { rest, tasks: mgr.informer<AgentTask>(AGENTTASKS), signals: agentSignals, metrics, log, transcriptDir: cfg.agents.transcriptDir, tracesUrl: cfg.tracing ? tracesUrl(cfg.tracing.endpoint) : undefined, radicle: cfg.agents.radicle });
        cleanups.push(() => gw.close());
        // --- code-server attach: /attach/<ns>/<task>/ (HTTP + WebSocket), RBAC verb `attach` (src/server/attach) ---
        const { registerAttachRoutes } = await import('../server/attach/routes.js');
        registerAttachRoutes(a, { rest, connections, credentials: codeServer, log: log.child({ component: 'attach' }) });
        // LLM transcripts of each attempt, RBAC get on agenttasks/transcript (src/server/transcripts).
        const { registerTranscriptRoutes } = await import('../server/transcripts/routes.js');
        registerTranscriptRoutes(a, { rest, dir: cfg.agents.transcriptDir });
      }
      if (cfg.featureGates.Jobs) {
        // Artifacts: pods upload through the operator; users download with RBAC (docs/artifacts.md).
        const [{ registerArtifactRoutes }, { storeResolver }] = await Promise.all([import('../server/artifacts/routes.js'), import('../artifacts/resolve.js')]);
        registerArtifactRoutes(a, { rest, storeFor: storeResolver({ rest, ...(cfg.artifactStore ? { defaultSecret: cfg.artifactStore } : {}) }) });
      }
      await opts.routes?.(a);
    },
  });
  if (tls) cleanups.push(await followCaRotation({ kc, namespace: cfg.namespace, tls, log, server: app.server as unknown as HttpsServer }));
  const address = await app.listen({ host: cfg.http.host, port: cfg.http.port });
  const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  // Serve /health and /readyz while the caches fill: readiness says what is still pending.
  await mgr.start();
  log.info(
    { http: address, namespace: cfg.namespace, leaderElection: cfg.leaderElect, shard: shardOf(cfg)?.selector.text, apiserver: kc.getCurrentCluster()?.server, featureGates: formatFeatureGates(cfg.featureGates), version },
    'operator started',
  );
  return {
    url,
    app,
    mgr,
    scheduling,
    ...(agentSignals ? { agentSignals } : {}),
    webhook: admission.server,
    async stop() {
      probe.stop();
      await mgr.stop();
      for (const c of cleanups) await c();
      await app.close();
      await connections.stop();
      log.info('operator stopped');
    },
  };
}

/** `--shard`: the Weft kinds' objects this operator reconciles (docs/deploy.md "Canary rollout of the operator"). */
function shardOf(cfg: OperatorConfig) {
  return cfg.shard ? { group: WEFT_GROUP, selector: cfg.shard } : undefined;
}

/** The leader Lease: one per shard, so a canary and the stable operator each have a leader. */
export function leaseName(cfg: Pick<OperatorConfig, 'shard'>): string {
  return cfg.shard ? `weft-operator-leader-${cfg.shard.id()}` : 'weft-operator-leader';
}

/** The code-server key (Secret weft-code-server-key); undefined (attach answers 503) when it cannot be read or made. */
async function loadAttachKey(rest: RestClient, namespace: string, log: Logger) {
  const { loadCodeServerCredentials } = await import('../agents/codeserver/credentials.js');
  return loadCodeServerCredentials(rest, namespace).catch((err: unknown) => {
    log.error({ namespace, err: errorMessage(err) }, 'cannot load the code-server key: AgentTasks get no code-server sidecar and /attach answers 503');
    return undefined;
  });
}

/** Probes the apiserver (cached for `/readyz` and `weft_apiserver_up`); resolves after the first probe. */
async function startApiServerProbe(kc: LightKubeConfig, readiness: Readiness, metrics: Registry): Promise<ApiServerProbe> {
  const probe = new ApiServerProbe(kc);
  readiness.register('apiserver', probe.check);
  new Gauge({
    name: 'weft_apiserver_up',
    help: '1 when the last probe of the Kubernetes apiserver succeeded',
    registers: [metrics],
    collect() {
      this.set(probe.check().ok ? 1 : 0);
    },
  });
  await probe.start();
  return probe;
}

/** The mesh (ACL engine, headscale client), loaded only when it is turned on. */
async function startMesh(cfg: OperatorConfig, log: Logger) {
  if (cfg.mesh.mode === 'none') return undefined;
  const meshSetup = await import('../mesh/setup.js');
  const provider = await meshSetup.meshProvider({ ...cfg.mesh, port: cfg.http.port });
  if (!provider) return undefined;
  return { provider, ...(await meshSetup.enableMesh({ ...cfg.mesh, port: cfg.http.port }, provider, log)) };
}

/** Registers the controllers `--controllers` and the feature gates allow (or exactly `only`); returns their cleanups. */
function setupControllers(ctx: ControllerContext, only: typeof CONTROLLERS | undefined): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  for (const c of only ?? CONTROLLERS) {
    if (c.enabled && !c.enabled(ctx.cfg)) continue;
    if (!only && !ctx.cfg.controllers.has(c.name)) continue;
    const cleanup = c.setup({ ...ctx, log: ctx.log.child({ controller: c.name }) });
    if (cleanup) cleanups.push(cleanup);
  }
  return cleanups;
}

/**
 * Creates the operator's namespace (Lease, CA Secret, policy ConfigMap) when it is missing and the
 * operator may. When it may not, the operator still serves: leader election retries and `/readyz`
 * answers 503 with the fix (`kubectl create namespace …`).
 */
async function ensureOperatorNamespace(rest: RestClient, namespace: string, log: Logger): Promise<void> {
  try {
    if ((await ensureNamespace(rest, namespace)) === 'created') log.info({ namespace }, 'created the operator namespace');
  } catch (err) {
    log.error({ namespace, err: errorMessage(err) }, 'the operator namespace is not there; leader election and /readyz say the fix');
  }
}

/**
 * The operator CA (Secret weft-ca, created on first start) and a self-renewing serving certificate.
 * Loaded only with --http-tls: the CA store uses client-node's generated CoreV1Api and the PKI
 * @peculiar/x509, together ~50 MiB of RSS an operator without TLS does not need.
 */
async function operatorTls(kc: LightKubeConfig, namespace: string) {
  const [{ ensureOperatorCAState }, { RotatingCertificate }] = await Promise.all([import('../pki/ca-store.js'), import('../pki/rotating.js')]);
  const { ca, trustPem, resourceVersion } = await ensureOperatorCAState(await kc.toClientNode(), namespace);
  // Client certificates are checked against ca.crt: the CA, plus the previous one while it is rotated.
  const trust = { pem: trustPem, resourceVersion };
  const serving = new RotatingCertificate(ca, {
    commonName: 'weft-operator',
    dnsNames: ['localhost', 'weft-operator', `weft-operator.${namespace}`, `weft-operator.${namespace}.svc`],
    ipAddresses: ['127.0.0.1', '::1'],
    usage: 'server',
    validDays: 30,
  });
  await serving.start();
  return { ca, serving, trust };
}

/**
 * Follows the operator CA's rotation (docs/rollback/rotate-operator-ca.sh) on the HTTPS port: client
 * certificates of the old and the new CA are accepted while both are in ca.crt, and the serving
 * certificate comes from the new CA. Returns what stops it.
 */
async function followCaRotation(o: { kc: LightKubeConfig; namespace: string; tls: Awaited<ReturnType<typeof operatorTls>>; log: Logger; server: HttpsServer }): Promise<() => Promise<void>> {
  const { tls, log, server } = o;
  const refresh = () => server.setSecureContext(secureContextFor(tls.serving.current(), tls.trust.pem));
  tls.serving.onRotate(refresh);
  const { watchOperatorCA, CA_POLL_MS } = await import('../pki/ca-store.js');
  const stop = watchOperatorCA(await o.kc.toClientNode(), o.namespace, {
    intervalMs: CA_POLL_MS,
    since: tls.trust.resourceVersion,
    onChange: async (s) => {
      tls.trust.pem = s.trustPem;
      // A new CA: a new serving certificate (its onRotate sets the context with the new trust); else only the trust changed.
      if (s.ca.certPem !== tls.serving.authorityPem()) await tls.serving.setAuthority(s.ca);
      else refresh();
      log.info({ trusted: s.trustPem.split('BEGIN CERTIFICATE').length - 1 }, 'operator CA changed: HTTPS serving certificate and client trust updated');
    },
    onError: (err) => log.warn({ err: errorMessage(err) }, 'cannot read the operator CA Secret; will retry'),
  });
  return async () => {
    stop();
    tls.serving.stop();
  };
}
