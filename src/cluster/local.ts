import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createCA, createSigningKeyPair, issueCertificate, loadCA, type KeyPairPem } from './pki.js';
import { freePorts } from './ports.js';
import { renderKubeconfig } from './kubeconfig.js';
import { startProcess, waitReady, type ManagedProcess, type ProcessSpec } from './process.js';
import { httpGet, httpsGet } from './probe.js';
import { packageRoot } from '../version.js';
import { toolPath, toolVersions } from './tools.js';
import { planRealNodes, type RealCluster, type RealNodeSpec } from './realnode/index.js';

/** Options of {@link LocalControlPlane.start}. */
export interface LocalControlPlaneOptions {
  /** State directory; a new temp dir (removed on stop) when omitted. */
  dir?: string;
  /** The process whose death stops the control plane; default: this process. */
  ownerPid?: number;
  logger?: Logger;
  /** Called with a short description of each step (CLI progress). */
  onProgress?: (step: string) => void;
  /** How long etcd and kube-apiserver may take to become ready (default 90 s). */
  startTimeoutMs?: number;
  /** Extra kube-apiserver flags, e.g. `--feature-gates=...`. */
  apiServerArgs?: string[];
  /** Also run KWOK, which makes Nodes annotated `kwok.x-k8s.io/node: fake` Ready and runs their pods. */
  kwok?: boolean;
  /**
   * Real nodes (kubelet + containerd + runc, see docs/real-node.md): with one, kube-controller-manager
   * and kube-scheduler run too. Needs root and the Debian packages hack/install-deps.sh installs.
   */
  nodes?: RealNodeSpec[];
}

/** What a running control plane writes to `<dir>/state.json` for `weft cluster` and tests. */
export interface ControlPlaneState {
  dir: string;
  server: string;
  kubeconfig: string;
  etcdUrl: string;
  pids: Record<string, number>;
  ownerPid: number;
  startedAt: string;
  kubernetesVersion: string;
}

/** The service CIDR: ClusterIPs are only allocated, never dialled (no kube-proxy in this mode). */
export const SERVICE_CIDR = '10.96.0.0/16';

/**
 * A real Kubernetes control plane (etcd + kube-apiserver built from their Go modules) on free
 * loopback ports: TLS with a generated CA, client-certificate admin, RBAC authorization,
 * service-account issuer and keys (TokenRequest works), admission webhooks enabled.
 *
 * @example
 * const cp = await LocalControlPlane.start();
 * const core = cp.kubeConfig().makeApiClient(CoreV1Api);
 * await cp.stop();
 */
export class LocalControlPlane {
  readonly dir: string;
  readonly server: string;
  readonly kubeconfigPath: string;
  private readonly procs: ManagedProcess[];
  private readonly removeDirOnStop: boolean;
  private readonly ca: KeyPairPem;
  /** How kube-apiserver was started, and the admin's certificate: what restartApiServer() needs. */
  private readonly apiSpec: ProcessSpec | undefined;
  private readonly adminCert: KeyPairPem | undefined;
  /** The real node and its controllers, when started with `nodes`. */
  realCluster: RealCluster | undefined;

  private constructor(h: ControlPlaneHandle) {
    this.dir = h.dir;
    this.server = h.server;
    this.kubeconfigPath = h.kubeconfigPath;
    this.procs = h.procs;
    this.removeDirOnStop = h.removeDirOnStop;
    this.ca = h.ca;
    this.apiSpec = h.apiSpec;
    this.adminCert = h.adminCert;
    this.realCluster = h.realCluster;
  }

  /** Starts etcd and kube-apiserver and returns once `/readyz` answers 200. */
  static async start(opts: LocalControlPlaneOptions = {}): Promise<LocalControlPlane> {
    const etcdBin = toolPath('etcd');
    const apiBin = toolPath('kube-apiserver');
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'weft-cp-')));
    const ctx = startContext(dir, opts);
    await mkdir(ctx.pki, { recursive: true, mode: 0o700 });
    await mkdir(ctx.logs, { recursive: true });
    // --- real node (src/cluster/realnode): its network is claimed before the apiserver's certificate
    const realPlan = await planRealNodes(opts.nodes);
    let realCluster: RealCluster | undefined;
    try {
      ctx.progress('generating certificates');
      const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
      const server = `https://127.0.0.1:${apiPort}`;
      const files = await writePki(ctx.pki, realPlan?.apiServerIps);
      await realPlan?.prepare(ctx.pki, files.ca);
      const admin = { certPem: files.admin.certPem, keyPem: files.admin.keyPem };
      const etcdUrl = await startEtcd(ctx, etcdBin, { etcdPort, peerPort });

      ctx.progress(`starting kube-apiserver on ${server}`);
      const baseApiArgs = apiServerArgs(ctx.pki, etcdUrl, apiPort);
      const apiSpec = componentSpec(ctx, 'kube-apiserver', apiBin, [...(realPlan?.apiServerArgs(baseApiArgs, ctx.pki) ?? baseApiArgs), ...(opts.apiServerArgs ?? [])]);
      await launch(ctx, apiSpec, () => apiReady(server, files.ca.certPem, admin));

      const kubeconfigPath = join(dir, 'kubeconfig');
      await writeAtomic(kubeconfigPath, renderKubeconfig({ server, caPem: files.ca.certPem, user: 'admin', client: admin }), 0o600);
      if (opts.kwok) await startKwok(ctx, kubeconfigPath);
      if (realPlan) {
        const { pki, ownerPid, timeoutMs, progress } = ctx;
        realCluster = await realPlan.start({ dir, pki, ca: files.ca, server, apiPort, admin, ownerPid, timeoutMs: Math.max(timeoutMs, 300_000), progress });
        ctx.procs.push(...realCluster.processes());
      }
      const cp = new LocalControlPlane({ dir, server, kubeconfigPath, procs: ctx.procs, removeDirOnStop: opts.dir === undefined, ca: files.ca, apiSpec, adminCert: admin, realCluster });
      await writeAtomic(join(dir, 'state.json'), JSON.stringify(cp.state(etcdUrl, opts.ownerPid ?? process.pid), null, 2));
      ctx.progress('control plane ready');
      return cp;
    } catch (err) {
      await realCluster?.stop().catch(() => undefined);
      await realPlan?.abort();
      await Promise.allSettled(ctx.procs.map((p) => p.stop(5000)));
      if (opts.dir === undefined) await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Connects to a control plane started elsewhere (another process, `weft cluster up`, the test
   * harness's global setup) from its state directory. The handle cannot stop the processes.
   */
  static async attach(dir: string): Promise<LocalControlPlane> {
    const state = await readControlPlaneState(dir);
    if (!state) throw new Error(`no control plane state in ${dir} (state.json missing): start one with \`weft cluster up\``);
    const pki = join(dir, 'pki');
    const ca = { certPem: await readFile(join(pki, 'ca.crt'), 'utf8'), keyPem: await readFile(join(pki, 'ca.key'), 'utf8') };
    return new LocalControlPlane({ dir, server: state.server, kubeconfigPath: state.kubeconfig, procs: [], removeDirOnStop: false, ca });
  }

  /** The state written to state.json. */
  state(etcdUrl: string, ownerPid: number): ControlPlaneState {
    return {
      dir: this.dir,
      server: this.server,
      kubeconfig: this.kubeconfigPath,
      etcdUrl,
      pids: Object.fromEntries(this.procs.map((p) => [p.name, p.pgid])),
      ownerPid,
      startedAt: new Date().toISOString(),
      kubernetesVersion: toolVersions().k8s,
    };
  }

  /** A client configuration for the admin user (system:masters). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  /** The process groups of the components (for `weft cluster down` and the no-leftovers test). */
  processes(): readonly ManagedProcess[] {
    return this.procs;
  }

  /**
   * Writes a kubeconfig for `user` in `groups`, authenticated by a client certificate from the
   * control plane's CA, and returns its path. RBAC decides what that user may do.
   */
  async userKubeconfig(user: string, groups: string[] = []): Promise<string> {
    const ca = await loadCA(this.ca);
    const cert = await issueCertificate(ca, { commonName: user, organizations: groups, usage: 'client' });
    const path = join(this.dir, `kubeconfig-${user.replace(/[^a-zA-Z0-9_.-]/g, '_')}`);
    await writeAtomic(path, renderKubeconfig({ server: this.server, caPem: this.ca.certPem, user, client: cert }), 0o600);
    return path;
  }

  /** A kubeconfig that authenticates with a bearer token (e.g. from TokenRequest). */
  tokenKubeConfig(token: string, user = 'token-user'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(renderKubeconfig({ server: this.server, caPem: this.ca.certPem, user, client: { token } }));
    return kc;
  }

  /**
   * Stops kube-apiserver and starts it again on the same port with the same flags (etcd keeps the
   * data), for tests of watch recovery. Resolves once `/readyz` answers again.
   */
  async restartApiServer(timeoutMs = 90_000): Promise<void> {
    const i = this.procs.findIndex((p) => p.name === 'kube-apiserver');
    if (i < 0 || !this.apiSpec || !this.adminCert) throw new Error('restartApiServer: this handle did not start the control plane');
    await this.procs[i]!.stop();
    const api = startProcess(this.apiSpec);
    this.procs[i] = api;
    const admin = this.adminCert;
    await waitReady(api, timeoutMs, () => apiReady(this.server, this.ca.certPem, admin));
  }

  /** The CA certificate (PEM) that signs the serving and client certificates. */
  get caPem(): string {
    return this.ca.certPem;
  }

  /** Stops the real node, kwok, kube-apiserver then etcd and waits until no process of theirs remains. */
  async stop(): Promise<void> {
    await this.realCluster?.stop();
    for (const p of [...this.procs].reverse()) await p.stop();
    if (this.removeDirOnStop) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Reads a state.json written by a running control plane (for `weft cluster kubeconfig|down`). */
export async function readControlPlaneState(dir: string): Promise<ControlPlaneState | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as ControlPlaneState;
  } catch {
    return undefined;
  }
}

/** What a LocalControlPlane handle holds: a started control plane's, or an attached one's (no processes). */
interface ControlPlaneHandle {
  dir: string;
  server: string;
  kubeconfigPath: string;
  procs: ManagedProcess[];
  removeDirOnStop: boolean;
  ca: KeyPairPem;
  apiSpec?: ProcessSpec;
  adminCert?: KeyPairPem;
  realCluster?: RealCluster;
}

/** Where start() puts state and logs, whose death stops the components, how long each may take to be ready. */
interface StartContext {
  dir: string;
  pki: string;
  logs: string;
  ownerPid: number | undefined;
  timeoutMs: number;
  progress: (step: string) => void;
  /** The processes started so far, in order (stopped if start() fails). */
  procs: ManagedProcess[];
}

/** The StartContext of a control plane in `dir`, with the defaults of the options left out. */
function startContext(dir: string, opts: LocalControlPlaneOptions): StartContext {
  return {
    dir,
    pki: join(dir, 'pki'),
    logs: join(dir, 'logs'),
    ownerPid: opts.ownerPid,
    timeoutMs: opts.startTimeoutMs ?? 90_000,
    progress: opts.onProgress ?? (() => {}),
    procs: [],
  };
}

/** The spec of a component that logs to `<logs>/<name>.log`. */
function componentSpec(ctx: StartContext, name: string, command: string, args: string[]): ProcessSpec {
  return { name, command, args, logFile: join(ctx.logs, `${name}.log`), ownerPid: ctx.ownerPid };
}

/** Starts a component, keeps it in ctx.procs, and resolves once `ready` says it is. */
async function launch(ctx: StartContext, spec: ProcessSpec, ready: () => Promise<boolean>): Promise<void> {
  const proc = startProcess(spec);
  ctx.procs.push(proc);
  await waitReady(proc, ctx.timeoutMs, ready);
}

/** Starts etcd on the given ports; resolves to its client URL once it is healthy. */
async function startEtcd(ctx: StartContext, command: string, ports: { etcdPort: number; peerPort: number }): Promise<string> {
  ctx.progress(`starting etcd on 127.0.0.1:${ports.etcdPort}`);
  const etcdUrl = `http://127.0.0.1:${ports.etcdPort}`;
  const spec = componentSpec(ctx, 'etcd', command, etcdArgs(ctx.dir, etcdUrl, `http://127.0.0.1:${ports.peerPort}`));
  await launch(ctx, spec, async () => (await httpGet(`${etcdUrl}/health`)).body.includes('"true"'));
  return etcdUrl;
}

/** Starts KWOK against the control plane; resolves once its /healthz answers. */
async function startKwok(ctx: StartContext, kubeconfigPath: string): Promise<void> {
  ctx.progress('starting kwok (simulated nodes)');
  const [kwokPort] = (await freePorts(1)) as [number];
  await launch(ctx, componentSpec(ctx, 'kwok', toolPath('kwok'), kwokArgs(kubeconfigPath, kwokPort)), async () => (await httpGet(`http://127.0.0.1:${kwokPort}/healthz`)).status === 200);
}

async function writeAtomic(path: string, data: string, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

async function writePki(pki: string, extraIps: string[] = []) {
  const ca = await createCA('weft-local-ca');
  const serving = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    ipAddresses: ['127.0.0.1', '::1', '10.96.0.1', ...extraIps],
    usage: 'server',
  });
  const admin = await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' });
  const sa = await createSigningKeyPair();
  const writes: Array<[string, string]> = [
    ['ca.crt', ca.certPem],
    ['ca.key', ca.keyPem],
    ['apiserver.crt', serving.certPem],
    ['apiserver.key', serving.keyPem],
    ['admin.crt', admin.certPem],
    ['admin.key', admin.keyPem],
    ['sa.key', sa.privateKeyPem],
    ['sa.pub', sa.publicKeyPem],
  ];
  await Promise.all(writes.map(([f, d]) => writeFile(join(pki, f), d, { mode: 0o600 })));
  return { ca, admin };
}

/** Annotation that hands a Node to KWOK. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

function kwokArgs(kubeconfig: string, port: number): string[] {
  const stages = join(dirname(toolPath('kwok')), 'stages.yaml');
  return [
    `--kubeconfig=${kubeconfig}`,
    `--config=${stages}`,
    `--config=${join(packageRoot(), 'config', 'kwok', 'weft-stages.yaml')}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
    '--node-lease-duration-seconds=40',
    `--server-address=127.0.0.1:${port}`,
    // Pod IPs are only written into status; nothing routes to them.
    '--cidr=10.244.0.0/16',
    '--node-ip=127.0.0.1',
  ];
}

function etcdArgs(dir: string, clientUrl: string, peerUrl: string): string[] {
  return [
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
    '--quota-backend-bytes=2147483648',
  ];
}

function apiServerArgs(pki: string, etcdUrl: string, port: number): string[] {
  const p = (f: string) => join(pki, f);
  return [
    `--etcd-servers=${etcdUrl}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--tls-cert-file=${p('apiserver.crt')}`,
    `--tls-private-key-file=${p('apiserver.key')}`,
    `--client-ca-file=${p('ca.crt')}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=https://127.0.0.1:${port}`,
    `--service-account-key-file=${p('sa.pub')}`,
    `--service-account-signing-key-file=${p('sa.key')}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--allow-privileged=true',
    // No controller-manager runs in this mode, so nothing would create the default ServiceAccount
    // that this admission plugin requires of every pod.
    '--disable-admission-plugins=ServiceAccount',
    '--enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
    '--kubelet-preferred-address-types=Hostname',
    '--profiling=false',
    '--v=1',
  ];
}

async function apiReady(server: string, caPem: string, admin: KeyPairPem): Promise<boolean> {
  return (await httpsGet(`${server}/readyz`, { caPem, ...admin })).status === 200;
}
