import { existsSync } from 'node:fs';
import { toolPath } from '../tools.js';
import { RUNTIME_BINARIES as bin } from './containerd.js';

/** A real node cannot start on this machine; the message says what to install. */
export class RealNodeUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RealNodeUnavailableError';
  }
}

const INSTALL = 'apt-get install -y containerd runc containernetworking-plugins iproute2 mmdebstrap umoci gcc libc6-dev (hack/install-deps.sh installs them)';

/**
 * Checks, before anything starts, that a real node can run here: root, the Debian runtime
 * packages, the CNI plugins, iproute2, cgroup hierarchies with a memory controller, and the
 * kubelet, kube-controller-manager and kube-scheduler built by hack/build-tools.sh. Throws
 * RealNodeUnavailableError (or ToolNotFoundError) naming the missing piece and how to install it.
 */
export function preflightRealNode(): void {
  if (process.getuid?.() !== 0) {
    throw new RealNodeUnavailableError('a real node needs root (containerd, runc, bridges and cgroups); run as root');
  }
  const needed: Array<[string, string]> = [
    [bin.containerd, 'containerd'],
    [bin.ctr, 'containerd (ctr)'],
    [bin.runc, 'runc'],
    [`${bin.cniBin}/bridge`, 'containernetworking-plugins (bridge)'],
    [`${bin.cniBin}/host-local`, 'containernetworking-plugins (host-local)'],
    [`${bin.cniBin}/loopback`, 'containernetworking-plugins (loopback)'],
    ['/usr/sbin/ip', 'iproute2 (ip)'],
  ];
  const missing = needed.filter(([path]) => !existsSync(path) && !(path === '/usr/sbin/ip' && existsSync('/sbin/ip')));
  if (missing.length > 0) {
    throw new RealNodeUnavailableError(
      `a real node needs ${missing.map(([p, what]) => `${what} at ${p}`).join(', ')}, missing here. Install with: ${INSTALL}`,
    );
  }
  if (!existsSync('/sys/fs/cgroup/memory') && !existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    throw new RealNodeUnavailableError('a real node needs cgroups with the memory controller: neither /sys/fs/cgroup/memory (v1) nor /sys/fs/cgroup/cgroup.controllers (v2) exists');
  }
  for (const tool of ['kubelet', 'kube-controller-manager', 'kube-scheduler'] as const) toolPath(tool);
}
