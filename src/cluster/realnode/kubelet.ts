import { stringify } from 'yaml';
import { join } from 'node:path';

/** Inputs of the kubelet's configuration. */
export interface KubeletSettings {
  nodeDir: string;
  nodeIp: string;
  port: number;
  healthzPort: number;
  containerdSocket: string;
  /** The node's own cgroup tree, e.g. `/weft-node-0` (created before the kubelet starts). */
  cgroupRoot: string;
  clientCaFile: string;
  tlsCertFile: string;
  tlsKeyFile: string;
}

/** The kubelet's root dir, logs and plugin dirs: everything under the node dir, nothing in /var. */
export function kubeletPaths(nodeDir: string) {
  const root = join(nodeDir, 'kubelet');
  return { root, config: join(nodeDir, 'kubelet.yaml'), kubeconfig: join(nodeDir, 'kubelet.kubeconfig'), podLogs: join(root, 'pod-logs') };
}

/**
 * A KubeletConfiguration for a node on this kind of host: cgroup v1 (hybrid) allowed
 * (`failCgroupV1: false`, the default has been `true` since 1.35), the cgroupfs driver (containerd
 * 1.6 cannot tell the kubelet its driver), its own cgroup root so that two nodes never share
 * `/kubepods`, x509 + webhook authentication and authorization, no read-only port, serving on the
 * node IP (the bridge) only, and image garbage collection off (our images cannot be pulled again).
 */
export function renderKubeletConfig(s: KubeletSettings): string {
  const p = kubeletPaths(s.nodeDir);
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: s.cgroupRoot,
    cgroupsPerQOS: true,
    containerRuntimeEndpoint: `unix://${s.containerdSocket}`,
    imageServiceEndpoint: `unix://${s.containerdSocket}`,
    address: s.nodeIp,
    port: s.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: s.healthzPort,
    tlsCertFile: s.tlsCertFile,
    tlsPrivateKeyFile: s.tlsKeyFile,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: '10s' },
      x509: { clientCAFile: s.clientCaFile },
    },
    authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '10s', cacheUnauthorizedTTL: '5s' } },
    failSwapOn: false,
    // No cluster DNS runs; pods must not get the host's resolvers either (they could not reach them).
    resolvConf: '',
    clusterDomain: 'cluster.local',
    podLogsDir: p.podLogs,
    volumePluginDir: join(p.root, 'volume-plugins'),
    staticPodPath: '',
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    imageMinimumGCAge: '87600h',
    // A shared development machine: only evict when really out of memory or disk.
    evictionHard: { 'memory.available': '50Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    evictionPressureTransitionPeriod: '10s',
    nodeStatusUpdateFrequency: '5s',
    nodeStatusReportFrequency: '30s',
    syncFrequency: '10s',
    fileCheckFrequency: '10s',
    kernelMemcgNotification: false,
    protectKernelDefaults: false,
    makeIPTablesUtilChains: false,
    serializeImagePulls: false,
    shutdownGracePeriod: '0s',
    maxPods: 110,
    logging: { format: 'text', verbosity: 1 },
  });
}

/** The kubelet's command line (its configuration file carries the rest). */
export function kubeletArgs(nodeDir: string, nodeName: string, nodeIp: string): string[] {
  const p = kubeletPaths(nodeDir);
  return [
    `--config=${p.config}`,
    `--kubeconfig=${p.kubeconfig}`,
    `--root-dir=${p.root}`,
    `--cert-dir=${join(p.root, 'pki')}`,
    `--hostname-override=${nodeName}`,
    `--node-ip=${nodeIp}`,
    '--v=1',
  ];
}
