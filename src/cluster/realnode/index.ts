import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueCertificate, type CertificateAuthority } from '../pki.js';
import { releaseNetwork, reserveNetwork, type NodeNetwork } from './network.js';
import { RealCluster, type RealClusterContext, type RealNodeSpec } from './node.js';
import { preflightRealNode } from './preflight.js';

export { RealCluster, type RealNodeSpec } from './node.js';
export { RealNodeUnavailableError } from './preflight.js';
export { IMAGE_REFS, type ImageName } from './images.js';

/** What LocalControlPlane needs to know to host a real node, decided before kube-apiserver starts. */
export interface RealNodePlan {
  spec: RealNodeSpec;
  network: NodeNetwork;
  /** Extra IP SANs of the apiserver's serving certificate (the `kubernetes` ClusterIP). */
  apiServerIps: string[];
  /** Writes the apiserver's kubelet client certificate into `pki`. */
  prepare(pki: string, ca: CertificateAuthority): Promise<void>;
  /** The apiserver flags with the real-node changes applied. */
  apiServerArgs(base: string[], pki: string): string[];
  start(ctx: Omit<RealClusterContext, 'network'>): Promise<RealCluster>;
  /** Gives the network back when the control plane fails before {@link start}. */
  abort(): Promise<void>;
}

/** Flags a real node changes (the kwok-only control plane runs no kubelet and no controller-manager). */
const REPLACED = ['--authorization-mode=', '--disable-admission-plugins=', '--enable-admission-plugins=', '--kubelet-preferred-address-types=', '--service-cluster-ip-range='];

/**
 * Checks the machine and claims a network for the real node in `nodes` (at most one for now), or
 * returns undefined when there is none.
 */
export async function planRealNodes(nodes: ReadonlyArray<{ name: string; real: boolean }> | undefined): Promise<RealNodePlan | undefined> {
  const all = nodes ?? [];
  const real = all.filter((n): n is RealNodeSpec => n.real);
  if (all.length > real.length) throw new Error('nodes: only real nodes ({ name, real: true }) are supported; use the kwok option for simulated ones');
  if (real.length === 0) return undefined;
  if (real.length > 1) throw new Error(`nodes: one real node per control plane is supported, got ${real.length} (${real.map((n) => n.name).join(', ')})`);
  const spec = real[0]!;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(spec.name)) throw new Error(`nodes: "${spec.name}" is not a valid node name (a DNS label: lowercase letters, digits and '-')`);
  preflightRealNode();
  const network = await reserveNetwork();
  return {
    spec,
    network,
    apiServerIps: [network.apiServiceIp],
    async prepare(pki, ca) {
      const cert = await issueCertificate(ca, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' });
      await writeFile(join(pki, 'apiserver-kubelet-client.crt'), cert.certPem, { mode: 0o600 });
      await writeFile(join(pki, 'apiserver-kubelet-client.key'), cert.keyPem, { mode: 0o600 });
    },
    apiServerArgs(base, pki) {
      return [
        ...base.filter((a) => !REPLACED.some((r) => a.startsWith(r))),
        '--authorization-mode=Node,RBAC',
        '--enable-admission-plugins=NodeRestriction,MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
        '--kubelet-preferred-address-types=InternalIP',
        `--kubelet-client-certificate=${join(pki, 'apiserver-kubelet-client.crt')}`,
        `--kubelet-client-key=${join(pki, 'apiserver-kubelet-client.key')}`,
        `--kubelet-certificate-authority=${join(pki, 'ca.crt')}`,
        `--service-cluster-ip-range=${network.serviceCidr}`,
      ];
    },
    start: (ctx) => RealCluster.start({ ...ctx, network }, spec),
    abort: () => releaseNetwork(network),
  };
}
