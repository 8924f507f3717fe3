import { join } from 'node:path';

/**
 * kube-controller-manager's flags for a one-node local cluster: its own identity (the bootstrap
 * RBAC of `system:kube-controller-manager`), per-controller service-account credentials, the
 * control plane's CA for `kube-root-ca.crt` and CSR signing, no node CIDR allocation (the bridge
 * CNI config owns the pod range), no leader election and no serving port (nothing to write to
 * /var/run/kubernetes, nothing listening).
 */
export function controllerManagerArgs(o: { kubeconfig: string; pki: string; serviceCidr: string }): string[] {
  const p = (f: string) => join(o.pki, f);
  return [
    ...commonArgs(o.kubeconfig),
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${p('sa.key')}`,
    `--root-ca-file=${p('ca.crt')}`,
    `--cluster-signing-cert-file=${p('ca.crt')}`,
    `--cluster-signing-key-file=${p('ca.key')}`,
    `--service-cluster-ip-range=${o.serviceCidr}`,
    '--allocate-node-cidrs=false',
    '--controllers=*,-nodeipam,-service-lb-controller,-cloud-node-lifecycle,-persistentvolume-expander',
    '--node-monitor-grace-period=40s',
    '--concurrent-gc-syncs=5',
    '--v=1',
  ];
}

/** kube-scheduler's flags: its bootstrap identity, no leader election, no serving port. */
export function schedulerArgs(o: { kubeconfig: string }): string[] {
  return [...commonArgs(o.kubeconfig), '--v=1'];
}

/** What both components share: one kubeconfig for everything, no serving port, no leader election. */
function commonArgs(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--secure-port=0',
    '--leader-elect=false',
  ];
}
