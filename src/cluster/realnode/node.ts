import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { issueCertificate, type CertificateAuthority, type KeyPairPem } from '../pki.js';
import { freePort } from '../ports.js';
import { httpsGet } from '../probe.js';
import { startProcess, waitReady, type ManagedProcess } from '../process.js';
import { renderKubeconfig } from '../kubeconfig.js';
import { toolPath } from '../tools.js';
import { packageRoot } from '../../version.js';
import { startTcpForwarder, type TcpForwarder } from './apiproxy.js';
import { createCgroupRoot } from './cgroups.js';
import { containerdPaths, importImage, renderContainerdConfig, startContainerd } from './containerd.js';
import { controllerManagerArgs, schedulerArgs } from './controllers.js';
import { buildImages, type ImageName } from './images.js';
import { kubeletArgs, kubeletPaths, renderKubeletConfig } from './kubelet.js';
import { releaseNetwork, renderCniConfig, type NodeNetwork } from './network.js';

/** A node of the local cluster that runs real containers (kubelet + containerd + runc). */
export interface RealNodeSpec {
  name: string;
  real: true;
  /** Images to import besides pause and weft-runner, e.g. `operator` (built from dist/). */
  images?: ImageName[];
}

/** What the control plane hands over once kube-apiserver is ready. */
export interface RealClusterContext {
  /** The control plane's state dir; the node lives in `<dir>/nodes/<name>`. */
  dir: string;
  pki: string;
  ca: CertificateAuthority;
  server: string;
  apiPort: number;
  admin: KeyPairPem;
  network: NodeNetwork;
  ownerPid?: number;
  timeoutMs: number;
  progress: (step: string) => void;
}

/** The kubelet of a node: its name, its cgroup root, its containerd's socket, the directory of the logs. */
interface KubeletSetup {
  name: string;
  cgroupRoot: string;
  containerdSocket: string;
  logs: string;
}

const SCRIPTS = () => join(packageRoot(), 'src', 'cluster', 'realnode');

/** The real node's components, in start order; {@link stop} tears them down completely. */
export class RealCluster {
  private readonly procs = new Map<string, ManagedProcess>();
  private forwarder: TcpForwarder | undefined;

  private constructor(
    readonly nodeName: string,
    readonly nodeDir: string,
    readonly network: NodeNetwork,
  ) {}

  /**
   * Starts kube-controller-manager, kube-scheduler and one real node, and resolves once the Node is
   * Ready. On failure everything started so far is torn down before the error propagates.
   */
  static async start(ctx: RealClusterContext, spec: RealNodeSpec): Promise<RealCluster> {
    const nodeDir = join(ctx.dir, 'nodes', spec.name);
    const cluster = new RealCluster(spec.name, nodeDir, ctx.network);
    // An owner that exits without stop() SIGKILLs its process groups (process.ts), the janitor's
    // included: clean up synchronously on the way out. (A SIGKILLed owner is the janitor's case.)
    process.on('exit', cluster.onExit);
    try {
      await cluster.boot(ctx, spec);
      return cluster;
    } catch (err) {
      await cluster.stop().catch(() => undefined);
      throw err;
    }
  }

  private async boot(ctx: RealClusterContext, spec: RealNodeSpec): Promise<void> {
    const { progress, network: net } = ctx;
    const logs = join(ctx.dir, 'logs');
    const cd = containerdPaths(this.nodeDir);
    const ipamDir = join(this.nodeDir, 'cni', 'ipam');
    await Promise.all([ipamDir, cd.cniConfDir, cd.dir, logs].map((d) => mkdir(d, { recursive: true })));
    const cgroupRoot = `/weft-node-${net.slot}`;
    await writeFile(
      join(this.nodeDir, 'node.env'),
      Object.entries({ NODE_DIR: this.nodeDir, SOCKET: cd.socket, CGROUP: cgroupRoot, BRIDGE: net.bridge, SERVICE_CIDR: net.serviceCidr, NETWORK: net.network })
        .map(([k, v]) => `${k}=${JSON.stringify(v)}\n`)
        .join(''),
    );
    // First, so that a crash at any later point is still cleaned up.
    this.add(startProcess({ name: 'janitor', command: 'bash', args: [join(SCRIPTS(), 'janitor.sh'), this.nodeDir], logFile: join(logs, 'janitor.log'), ownerPid: ctx.ownerPid }));

    progress('starting kube-controller-manager and kube-scheduler');
    await this.startControllers(ctx, logs);

    progress(`starting containerd for node ${spec.name}`);
    await writeFile(join(cd.cniConfDir, '10-weft.conflist'), renderCniConfig(net, ipamDir));
    await writeFile(cd.config, renderContainerdConfig(cd));
    await createCgroupRoot(cgroupRoot);
    this.add(await startContainerd(cd, { logFile: join(logs, 'containerd.log'), ownerPid: ctx.ownerPid, timeoutMs: ctx.timeoutMs }));

    progress('building and importing images (pause, weft-runner' + (spec.images?.length ? `, ${spec.images.join(', ')}` : '') + ')');
    const wanted: ImageName[] = ['pause', 'runner', ...(spec.images ?? []).filter((i) => i !== 'pause' && i !== 'runner')];
    const [pause, ...others] = await buildImages(wanted);
    await importImage(cd, pause!.ref, pause!.archive);

    // Only the sandbox image is needed for Ready: the others import while the kubelet starts.
    progress(`starting kubelet for node ${spec.name} on ${net.gateway}`);
    const imported = (async () => {
      for (const img of others) await importImage(cd, img.ref, img.archive);
    })();
    await this.startKubelet(ctx, { name: spec.name, cgroupRoot, containerdSocket: cd.socket, logs });
    this.forwarder = await startTcpForwarder({ host: net.apiServiceIp, port: 443 }, { host: '127.0.0.1', port: ctx.apiPort });

    progress(`waiting for node ${spec.name} to be Ready`);
    await Promise.all([imported, waitNodeReady(ctx, spec.name, this.procs.get('kubelet')!)]);
  }

  private readonly onExit = (): void => {
    spawnSync('bash', [join(SCRIPTS(), 'cleanup.sh'), this.nodeDir], { stdio: 'ignore', timeout: 60_000 });
  };

  private add(p: ManagedProcess): ManagedProcess {
    this.procs.set(p.name, p);
    return p;
  }

  private async startControllers(ctx: RealClusterContext, logs: string): Promise<void> {
    const kcmKubeconfig = await writeKubeconfig(ctx, join(ctx.dir, 'kube-controller-manager.kubeconfig'), 'system:kube-controller-manager', []);
    const schedKubeconfig = await writeKubeconfig(ctx, join(ctx.dir, 'kube-scheduler.kubeconfig'), 'system:kube-scheduler', []);
    this.add(startProcess({
      name: 'kube-controller-manager',
      command: toolPath('kube-controller-manager'),
      args: controllerManagerArgs({ kubeconfig: kcmKubeconfig, pki: ctx.pki, serviceCidr: ctx.network.serviceCidr }),
      logFile: join(logs, 'kube-controller-manager.log'),
      ownerPid: ctx.ownerPid,
    }));
    this.add(startProcess({
      name: 'kube-scheduler',
      command: toolPath('kube-scheduler'),
      args: schedulerArgs({ kubeconfig: schedKubeconfig }),
      logFile: join(logs, 'kube-scheduler.log'),
      ownerPid: ctx.ownerPid,
    }));
  }

  private async startKubelet(ctx: RealClusterContext, node: KubeletSetup): Promise<void> {
    const { name, cgroupRoot, containerdSocket, logs } = node;
    const net = ctx.network;
    const kp = kubeletPaths(this.nodeDir);
    await mkdir(join(kp.root, 'pki'), { recursive: true });
    await writeKubeconfig(ctx, kp.kubeconfig, `system:node:${name}`, ['system:nodes']);
    const serving = await issueCertificate(ctx.ca, { commonName: name, dnsNames: [name], ipAddresses: [net.gateway], usage: 'server' });
    const tlsCertFile = join(kp.root, 'pki', 'kubelet.crt');
    const tlsKeyFile = join(kp.root, 'pki', 'kubelet.key');
    await writeFile(tlsCertFile, serving.certPem, { mode: 0o600 });
    await writeFile(tlsKeyFile, serving.keyPem, { mode: 0o600 });
    const port = await freePort(net.gateway);
    const healthzPort = await freePort();
    await writeFile(kp.config, renderKubeletConfig({
      nodeDir: this.nodeDir,
      nodeIp: net.gateway,
      port,
      healthzPort,
      containerdSocket,
      cgroupRoot,
      clientCaFile: join(ctx.pki, 'ca.crt'),
      tlsCertFile,
      tlsKeyFile,
    }));
    this.add(startProcess({
      name: 'kubelet',
      command: toolPath('kubelet'),
      args: kubeletArgs(this.nodeDir, name, net.gateway),
      logFile: join(logs, 'kubelet.log'),
      ownerPid: ctx.ownerPid,
    }));
  }

  /** The process groups (for state.json and `weft cluster down`). */
  processes(): ManagedProcess[] {
    return [...this.procs.values()];
  }

  /**
   * Stops the kubelet, then runs cleanup.sh (containers, shims, containerd, mounts, cgroups,
   * bridge), then the controllers. Throws if anything of the node is left behind.
   */
  async stop(): Promise<void> {
    process.off('exit', this.onExit);
    await this.forwarder?.close();
    this.forwarder = undefined;
    await this.procs.get('kubelet')?.stop();
    const cleanup = await execa('bash', [join(SCRIPTS(), 'cleanup.sh'), this.nodeDir], { reject: false, all: true, timeout: 120_000 });
    await writeFile(join(this.nodeDir, 'cleanup.log'), cleanup.all ?? '', { flag: 'a' }).catch(() => undefined);
    for (const name of ['containerd', 'janitor', 'kube-scheduler', 'kube-controller-manager']) await this.procs.get(name)?.stop();
    await releaseNetwork(this.network);
    if (cleanup.exitCode !== 0) throw new Error(`real node ${this.nodeName}: teardown left something behind:\n${cleanup.all ?? ''}`);
  }
}

async function writeKubeconfig(ctx: RealClusterContext, path: string, user: string, groups: string[]): Promise<string> {
  const client = await issueCertificate(ctx.ca, { commonName: user, organizations: groups, usage: 'client' });
  await writeFile(path, renderKubeconfig({ server: ctx.server, caPem: ctx.ca.certPem, user, client }), { mode: 0o600 });
  return path;
}

/** Polls the Node until its Ready condition is True; fails early, with the log, if the kubelet exits. */
async function waitNodeReady(ctx: RealClusterContext, name: string, kubelet: ManagedProcess): Promise<void> {
  await waitReady(kubelet, ctx.timeoutMs, async () => {
    const r = await httpsGet(`${ctx.server}/api/v1/nodes/${name}`, { caPem: ctx.ca.certPem, ...ctx.admin });
    if (r.status !== 200) throw new Error(`node ${name} not registered yet (HTTP ${r.status})`);
    const node = JSON.parse(r.body) as { status?: { conditions?: Array<{ type: string; status: string; message?: string }> } };
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') return true;
    throw new Error(ready ? `node ${name} Ready=${ready.status}: ${ready.message ?? ''}` : `node ${name} has no Ready condition yet`);
  });
}
