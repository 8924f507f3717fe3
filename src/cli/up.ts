import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { OperatorConfig } from '../config/operator.js';
import { applyCrds, ensureNamespace, readCrds } from '../cluster/crds.js';
import { LocalControlPlane, type ControlPlaneState } from '../cluster/local.js';
import { createLogger } from '../log.js';
import { runOperator, type RunningOperator } from '../operator/run.js';
import { unregisterWebhooks } from '../../webhooks/register.js';
import { RestClient } from '../runtime/rest.js';
import { packageRoot } from '../version.js';
import { runningCluster } from './cluster.js';
import { startDemoMesh, type DemoMesh } from './up-mesh.js';
import { startDemoNode, type DemoNode } from './up-node.js';
import { removeUpState, writeUpState, type UpState } from './up-state.js';
import { REAL_NODE_NAME } from './cluster.js';
import { RealNodeUnavailableError } from '../cluster/realnode/index.js';
import { forgeBanner, startDemoForgeStep, type DemoForge } from './up-forge.js';
import { clusterDir } from './home.js';
import { EXIT, step, untilSignal, type CliIO } from './io.js';
import { demoDashboardAccess, dashboardBanner, type DemoDashboardAccess } from '../server/dashboard/demo.js';

/**
 * `weft up`: the whole system locally, in the foreground until Ctrl-C: the control plane (or the one
 * `weft cluster up` already runs), the CRDs, and the operator. Ctrl-C stops what it started.
 */
export async function up(home: string, cfg: OperatorConfig, io: CliIO, opts: { stopSignal?: Promise<unknown>; forge?: boolean; realNode?: boolean } = {}): Promise<number> {
  const stopSignal = opts.stopSignal ?? untilSignal();
  const existing = await runningCluster(home);
  // Agent and Job pods reach the operator over plain HTTP: with a mesh (mTLS) the real node is left out.
  const realNode = opts.realNode !== false && !existing && cfg.mesh.mode === 'none';
  const { cp, own } = await controlPlane(home, io, existing, realNode);
  let demo: DemoMesh | undefined;
  let forge: DemoForge | undefined;
  let node: DemoNode | undefined;
  try {
    const kc = cp.kubeConfig();
    await installCrds(io, kc);
    await ensureNamespace(kc, cfg.namespace);
    let opCfg = operatorConfig(cfg, cp.kubeconfigPath);
    if (cfg.mesh.mode !== 'none') {
      const mode = cfg.mesh.mode;
      demo = await step(io, mode === 'headscale' ? 'starting the mesh (Headscale + 4 tailscaled on loopback)' : 'loading the stub mesh', (progress) =>
        startDemoMesh(kc, { mode, dir: join(home, 'mesh'), namespace: cfg.namespace, progress }),
      );
      opCfg = { ...opCfg, httpTls: true, mesh: meshConfig(cfg, demo) };
    }
    forge = await startDemoForgeStep(io, join(home, 'forge'), opts.forge);
    const log = createLogger({ level: cfg.logLevel, format: cfg.logFormat });
    node = cp.realCluster ? await step(io, `preparing the real node ${REAL_NODE_NAME} for agents and Jobs`, (progress) => startDemoNode(cp, { home, node: REAL_NODE_NAME, ...(forge ? { forge } : {}), log, progress })) : undefined;
    if (node) opCfg = { ...opCfg, agents: { ...opCfg.agents, gatewayUrl: node.gatewayUrl }, artifactStore: node.artifactStore };
    const operator = await step(io, 'starting the operator', () => runOperator(opCfg, log));
    node?.setOperatorPort(Number(new URL(operator.url).port));
    const dashboard = await step(io, 'creating the dashboard demo users', () => demoDashboardAccess(kc, cfg.namespace, opCfg.httpTls ? join(home, 'dashboard') : undefined));
    await writeUpState(home, upState(cp, operator, node, forge));
    io.out(banner({ cp, attached: existing !== undefined, operator, dashboard, demo, namespace: cfg.namespace, forge, node }));
    await stopSignal;
    io.err('stopping…\n');
    await operator.stop();
    // failurePolicy Fail: left registered, they would refuse every Weft write until the next `weft up`.
    await unregisterWebhooks(new RestClient(kc), opCfg.webhooks.configName).catch(() => undefined);
  } finally {
    await removeUpState(home);
    await node?.stop();
    await forge?.stop();
    await demo?.stop();
    if (own) {
      await own.stop();
      await rm(join(own.dir, 'state.json'), { force: true });
    }
  }
  io.err('stopped\n');
  return EXIT.ok;
}

/** What `weft demo` and scripts read in `<home>/up.json`. */
function upState(cp: LocalControlPlane, operator: RunningOperator, node: DemoNode | undefined, forge: DemoForge | undefined): UpState {
  return {
    pid: process.pid,
    kubeconfig: cp.kubeconfigPath,
    operatorUrl: operator.url,
    ...(node ? { demo: { namespace: node.namespace, node: node.node, s3: { endpoint: node.s3.endpoint, bucket: node.s3.bucket, accessKeyId: node.s3.accessKeyId, secretAccessKey: node.s3.secretAccessKey } } } : {}),
    ...(forge ? { forge: { url: forge.gitea.url, repo: forge.repo, feature: forge.feature, adminTokenFile: forge.tokenFiles.admin, ...(node?.podForgeUrl ? { podUrl: node.podForgeUrl } : {}) } } : {}),
  };
}

/** The control plane `weft cluster up` runs (attached), else a new one in the home dir (`own`: this command stops it). */
async function controlPlane(home: string, io: CliIO, existing: ControlPlaneState | undefined, realNode: boolean): Promise<{ cp: LocalControlPlane; own?: LocalControlPlane }> {
  if (existing) return { cp: await LocalControlPlane.attach(existing.dir) };
  const what = realNode ? `etcd + kube-apiserver + the real node ${REAL_NODE_NAME}: kubelet, containerd, runc` : 'etcd + kube-apiserver';
  const own = await step(io, `starting the local control plane (${what})`, async (progress) => {
    await rm(clusterDir(home), { recursive: true, force: true });
    // The agent image runs AgentTasks, the scan image the demo's security-scan Job (built on first use).
    const nodes = realNode ? [{ name: REAL_NODE_NAME, real: true as const, images: ['agent' as const, 'scan' as const] }] : undefined;
    return LocalControlPlane.start({ dir: clusterDir(home), onProgress: progress, ...(nodes ? { nodes } : {}) }).catch((err: unknown) => {
      if (err instanceof RealNodeUnavailableError) err.message += ' Or start without the real node (no agents or Jobs): weft up --no-real-node.';
      throw err;
    });
  });
  return { cp: own, own };
}

async function installCrds(io: CliIO, kc: KubeConfig): Promise<void> {
  const crdDir = join(packageRoot(), 'crds');
  await step(io, `applying CRDs from ${crdDir}`, async (progress) => {
    const names = await applyCrds(kc, await readCrds(crdDir));
    progress(names.length > 0 ? `established: ${names.join(', ')}` : 'no CRDs found (run `npm run generate`)');
  });
}

/** The operator's configuration under `weft up`: this control plane, webhooks served here and registered by URL. */
function operatorConfig(cfg: OperatorConfig, kubeconfig: string): OperatorConfig {
  // Admission webhooks on loopback, registered with their own URL (the apiserver runs here too).
  const webhook = cfg.webhook.port === 9443 && (cfg.webhook.host === '' || cfg.webhook.host === '0.0.0.0') ? { host: '127.0.0.1', port: 0 } : cfg.webhook;
  return { ...cfg, kubeconfig, webhook, webhooks: { ...cfg.webhooks, serve: true, url: cfg.webhooks.url ?? (cfg.webhooks.service ? undefined : 'auto') } };
}

/** The mesh settings of the operator for the demo mesh: Headscale's files, or the stub; the operator is device `weft-operator`. */
function meshConfig(cfg: OperatorConfig, demo: DemoMesh): OperatorConfig['mesh'] {
  const mode = cfg.mesh.mode;
  return demo.mesh ? { mode, configPath: demo.mesh.configPath, policyPath: demo.mesh.policyPath, self: 'weft-operator' } : { ...cfg.mesh, self: 'weft-operator' };
}

/** What `weft up` started, for the banner. */
interface UpSummary {
  cp: LocalControlPlane;
  /** The control plane was started by `weft cluster up` (and is left running). */
  attached: boolean;
  operator: RunningOperator;
  dashboard: DemoDashboardAccess;
  demo: DemoMesh | undefined;
  forge: DemoForge | undefined;
  node: DemoNode | undefined;
  namespace: string;
}

/** The lines that tell the user what runs where and what to try. */
function banner(u: UpSummary): string {
  const { cp, operator, demo } = u;
  return [
    '',
    'Weft is up:',
    `  control plane  ${cp.server}${u.attached ? ' (started by `weft cluster up`; left running)' : ''}`,
    `  kubeconfig     ${cp.kubeconfigPath}`,
    `  operator       ${operator.url}  (/health /readyz /metrics /openapi.json; /api/v1/… needs a token with RBAC, e.g. the viewer's below)`,
    ...(operator.webhook ? [`  webhooks       ${operator.webhook.url}  (quota and tag policy: kubectl -n ${u.namespace} edit configmap weft-policy, see docs/admission.md)`] : []),
    ...dashboardBanner(operator.url, u.dashboard),
    ...forgeBanner(u.forge),
    ...nodeBanner(u.node, u.forge),
    ...(demo ? meshLines(demo, operator.url) : []),
    '',
    `  kubectl --kubeconfig ${cp.kubeconfigPath} get ns`,
    `  curl ${demo ? `--cacert ${demo.caPath} ` : ''}${operator.url}/health`,
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ].join('\n');
}

/** The demo mesh's devices, and an allowed and a denied write to try. */
function meshLines(demo: DemoMesh, url: string): string[] {
  return [
    `  mesh           ${demo.mesh ? `Headscale ${demo.mesh.url}, devices: ${demo.mesh.devices.map((d) => `${d.name} ${d.ipv4}`).join(', ')}` : 'stub (static devices, no tailnet)'}`,
    '',
    '  A write as the tag:operator device (allowed by the ACL policy):',
    `    curl --cacert ${demo.caPath} --cert ${demo.certs['weft-operator']!.cert} --key ${demo.certs['weft-operator']!.key} -X POST ${url}/api/v1/nodes/worker-1/cordon`,
    "  The same write from alice's untagged laptop (denied, 403 with the reason):",
    `    curl --cacert ${demo.caPath} --cert ${demo.certs.laptop!.cert} --key ${demo.certs.laptop!.key} -X POST ${url}/api/v1/nodes/worker-1/cordon`,
  ];
}

/** The real node's lines: where agents and Jobs run, and the demo to try. */
function nodeBanner(node: DemoNode | undefined, forge: DemoForge | undefined): string[] {
  if (!node) return ['  real node      none (--no-real-node, --mesh, or an attached cluster): AgentTasks and Jobs stay Pending'];
  return [
    `  real node      ${node.node} (kubelet + containerd + runc), namespace ${node.namespace} with OrgCluster ${node.namespace}/self; pods reach the operator at ${node.gatewayUrl}`,
    `  artifacts      versitygw ${node.s3.endpoint}, bucket ${node.s3.bucket} (Secret ${node.artifactStore.namespace}/${node.artifactStore.name})`,
    ...(forge ? ['', `  Try the demo: node bin/weft.js demo   (syncs specs/${forge.feature}/tasks.md into agents that open pull requests in Gitea, and runs a security scan Job)`] : []),
  ];
}
