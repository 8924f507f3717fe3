import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { OperatorConfig } from '../config/operator.js';
import { applyCrds, ensureNamespace, readCrds } from '../cluster/crds.js';
import { LocalControlPlane } from '../cluster/local.js';
import { createLogger } from '../log.js';
import { runOperator } from '../operator/run.js';
import { unregisterWebhooks } from '../../webhooks/register.js';
import { RestClient } from '../runtime/rest.js';
import { packageRoot } from '../version.js';
import { runningCluster } from './cluster.js';
import { startDemoMesh, type DemoMesh } from './up-mesh.js';
import { clusterDir } from './home.js';
import { EXIT, step, untilSignal, type CliIO } from './io.js';
import { demoDashboardAccess, dashboardBanner } from '../server/dashboard/demo.js';

/**
 * `weft up`: the whole system locally, in the foreground until Ctrl-C: the control plane (or the one
 * `weft cluster up` already runs), the CRDs, and the operator. Ctrl-C stops what it started.
 */
export async function up(home: string, cfg: OperatorConfig, io: CliIO, stopSignal: Promise<unknown> = untilSignal()): Promise<number> {
  const existing = await runningCluster(home);
  let own: LocalControlPlane | undefined;
  let demo: DemoMesh | undefined;
  const cp = existing
    ? await LocalControlPlane.attach(existing.dir)
    : await step(io, 'starting the local control plane (etcd + kube-apiserver)', async (progress) => {
        await rm(clusterDir(home), { recursive: true, force: true });
        own = await LocalControlPlane.start({ dir: clusterDir(home), onProgress: progress });
        return own;
      });
  try {
    const kc = cp.kubeConfig();
    const crdDir = join(packageRoot(), 'crds');
    await step(io, `applying CRDs from ${crdDir}`, async (progress) => {
      const names = await applyCrds(kc, await readCrds(crdDir));
      progress(names.length > 0 ? `established: ${names.join(', ')}` : 'no CRDs found (run `npm run generate`)');
    });
    await ensureNamespace(kc, cfg.namespace);
    // Admission webhooks on loopback, registered with their own URL (the apiserver runs here too).
    const webhook = cfg.webhook.port === 9443 && (cfg.webhook.host === '' || cfg.webhook.host === '0.0.0.0') ? { host: '127.0.0.1', port: 0 } : cfg.webhook;
    let opCfg: OperatorConfig = { ...cfg, kubeconfig: cp.kubeconfigPath, webhook, webhooks: { ...cfg.webhooks, serve: true, url: cfg.webhooks.url ?? (cfg.webhooks.service ? undefined : 'auto') } };
    if (cfg.mesh.mode !== 'none') {
      const mode = cfg.mesh.mode;
      demo = await step(io, mode === 'headscale' ? 'starting the mesh (Headscale + 4 tailscaled on loopback)' : 'loading the stub mesh', (progress) =>
        startDemoMesh(mode, join(home, 'mesh'), kc, cfg.namespace, progress),
      );
      opCfg = {
        ...opCfg,
        httpTls: true,
        mesh: demo.mesh ? { mode, configPath: demo.mesh.configPath, policyPath: demo.mesh.policyPath, self: 'weft-operator' } : { ...cfg.mesh, self: 'weft-operator' },
      };
    }
    const log = createLogger({ level: cfg.logLevel, format: cfg.logFormat });
    const operator = await step(io, 'starting the operator', () => runOperator(opCfg, log));
    const dashboard = await step(io, 'creating the dashboard demo users', () => demoDashboardAccess(kc, cfg.namespace, opCfg.httpTls ? join(home, 'dashboard') : undefined));
    io.out(
      [
        '',
        'Weft is up:',
        `  control plane  ${cp.server}${existing ? ' (started by `weft cluster up`; left running)' : ''}`,
        `  kubeconfig     ${cp.kubeconfigPath}`,
        `  operator       ${operator.url}  (/health /readyz /metrics /openapi.json; /api/v1/… needs a token with RBAC, e.g. the viewer's below)`,
        ...(operator.webhook ? [`  webhooks       ${operator.webhook.url}  (quota and tag policy: kubectl -n ${cfg.namespace} edit configmap weft-policy, see docs/admission.md)`] : []),
        ...dashboardBanner(operator.url, dashboard),
        ...(demo
          ? [
              `  mesh           ${demo.mesh ? `Headscale ${demo.mesh.url}, devices: ${demo.mesh.devices.map((d) => `${d.name} ${d.ipv4}`).join(', ')}` : 'stub (static devices, no tailnet)'}`,
              '',
              '  A write as the tag:operator device (allowed by the ACL policy):',
              `    curl --cacert ${demo.caPath} --cert ${demo.certs['weft-operator']!.cert} --key ${demo.certs['weft-operator']!.key} -X POST ${operator.url}/api/v1/nodes/worker-1/cordon`,
              "  The same write from alice's untagged laptop (denied, 403 with the reason):",
              `    curl --cacert ${demo.caPath} --cert ${demo.certs.laptop!.cert} --key ${demo.certs.laptop!.key} -X POST ${operator.url}/api/v1/nodes/worker-1/cordon`,
            ]
          : []),
        '',
        `  kubectl --kubeconfig ${cp.kubeconfigPath} get ns`,
        `  curl ${demo ? `--cacert ${demo.caPath} ` : ''}${operator.url}/health`,
        '',
        'Press Ctrl-C to stop everything.',
        '',
      ].join('\n'),
    );
    await stopSignal;
    io.err('stopping…\n');
    await operator.stop();
    // failurePolicy Fail: left registered, they would refuse every Weft write until the next `weft up`.
    await unregisterWebhooks(new RestClient(kc), opCfg.webhooks.configName).catch(() => undefined);
  } finally {
    await demo?.stop();
    if (own) {
      await own.stop();
      await rm(join(own.dir, 'state.json'), { force: true });
    }
  }
  io.err('stopped\n');
  return EXIT.ok;
}
