import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalControlPlane, readControlPlaneState, type ControlPlaneState } from '../cluster/local.js';
import { isAlive, logTail, waitGroupGone } from '../cluster/process.js';
import { packageRoot } from '../version.js';
import { clusterDir } from './home.js';
import { EXIT, step, untilSignal, type CliIO } from './io.js';

/** `weft cluster up --real-node`: also run a real node (src/cluster/realnode, docs/real-node.md). */
export interface RealNodeFlag {
  realNode?: boolean;
}

/** The real node's name in a `weft cluster up --real-node` cluster. */
export const REAL_NODE_NAME = 'weft-node-1';

/** The state of the local cluster in `home`, if one is running (its owner process is alive). */
export async function runningCluster(home: string): Promise<ControlPlaneState | undefined> {
  const state = await readControlPlaneState(clusterDir(home));
  return state && isAlive(state.ownerPid) ? state : undefined;
}

/**
 * `weft cluster up`: starts the control plane in a background supervisor (`weft cluster serve`) and
 * returns once it is ready. Idempotent: an already running cluster is reported, not restarted.
 */
export async function clusterUp(home: string, io: CliIO, timeoutMs?: number, opts: RealNodeFlag = {}): Promise<number> {
  // A real node may build its images first (a few minutes on a cold cache).
  timeoutMs ??= opts.realNode ? 1_200_000 : 120_000;
  const running = await runningCluster(home);
  if (running) {
    io.out(`local cluster already running at ${running.server}\nkubeconfig: ${running.kubeconfig}\n`);
    return EXIT.ok;
  }
  await mkdir(home, { recursive: true });
  const logPath = join(home, 'cluster-serve.log');
  const what = opts.realNode ? 'etcd + kube-apiserver + a real node' : 'etcd + kube-apiserver';
  const state = await step(io, `starting the local control plane (${what})`, async (progress) => {
    const fd = openSync(logPath, 'w');
    const serveArgs = ['cluster', 'serve', '--home', home, ...(opts.realNode ? ['--real-node'] : [])];
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'weft.js'), ...serveArgs], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: process.env,
    });
    closeSync(fd);
    child.unref();
    progress(`supervisor pid ${child.pid}, log ${logPath}`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const s = await readControlPlaneState(clusterDir(home));
      if (s && s.ownerPid === child.pid) return s;
      if (child.exitCode !== null || !isAlive(child.pid!)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the control plane did not start; its log (${logPath}) ends with:\n${logTail(logPath, 15)}`);
  });
  io.out(`local cluster ready at ${state.server} (Kubernetes ${state.kubernetesVersion})\n`);
  io.out(`kubeconfig: ${state.kubeconfig}\n`);
  io.out(`try: kubectl --kubeconfig ${state.kubeconfig} get ns\nstop it with: weft cluster down\n`);
  return EXIT.ok;
}

/** `weft cluster serve` (hidden): runs the control plane in the foreground until SIGTERM/SIGINT. */
export async function clusterServe(home: string, io: CliIO, opts: RealNodeFlag = {}): Promise<number> {
  const dir = clusterDir(home);
  await rm(dir, { recursive: true, force: true });
  const cp = await LocalControlPlane.start({
    dir,
    onProgress: (s) => io.err(`${new Date().toISOString()} ${s}\n`),
    ...(opts.realNode ? { nodes: [{ name: REAL_NODE_NAME, real: true as const, images: ['operator' as const] }] } : {}),
  });
  io.err(`${new Date().toISOString()} serving ${cp.server}; kubeconfig ${cp.kubeconfigPath}\n`);
  const sig = await untilSignal();
  io.err(`${new Date().toISOString()} ${sig}: stopping\n`);
  await cp.stop();
  await rm(join(dir, 'state.json'), { force: true });
  return EXIT.ok;
}

/** `weft cluster down`: stops the supervisor and every process it started. */
export async function clusterDown(home: string, io: CliIO): Promise<number> {
  const state = await readControlPlaneState(clusterDir(home));
  if (!state) {
    io.out('no local cluster is running\n');
    return EXIT.ok;
  }
  await step(io, 'stopping the local control plane', async () => {
    if (isAlive(state.ownerPid)) {
      process.kill(state.ownerPid, 'SIGTERM');
      const deadline = Date.now() + 20_000;
      while (isAlive(state.ownerPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (isAlive(state.ownerPid)) process.kill(state.ownerPid, 'SIGKILL');
    }
    // Whatever survived the supervisor (it was SIGKILLed, say) is stopped by process group.
    for (const pgid of Object.values(state.pids)) {
      if (isAlive(-pgid)) process.kill(-pgid, 'SIGTERM');
      await waitGroupGone(pgid, 10_000);
    }
    await rm(join(clusterDir(home), 'state.json'), { force: true });
  });
  io.out('local cluster stopped\n');
  return EXIT.ok;
}

/** `weft cluster kubeconfig`: prints the admin kubeconfig's path. */
export async function clusterKubeconfig(home: string, io: CliIO): Promise<number> {
  const state = await runningCluster(home);
  if (!state || !existsSync(state.kubeconfig)) {
    io.err(`no local cluster is running in ${home}: start one with \`weft cluster up\`\n`);
    return EXIT.failure;
  }
  io.out(`${state.kubeconfig}\n`);
  return EXIT.ok;
}
