/**
 * Command lines for the talosctl v1.13 commands Weft runs, built by pure functions so that tests
 * pin them. Flag names are talosctl's; see docs/talos.md for what each command does.
 */

/** Options of `talosctl gen config`. */
export interface GenConfigOptions {
  clusterName: string;
  /** The Kubernetes API URL, e.g. `https://10.5.0.2:6443`. */
  endpoint: string;
  /** Directory for controlplane.yaml, worker.yaml and talosconfig. */
  outputDir: string;
  /** Overwrite existing files (default false: talosctl refuses). */
  force?: boolean;
  kubernetesVersion?: string;
  talosVersion?: string;
  additionalSans?: string[];
  /** Machine config patches (YAML/JSON, or `@file`), applied to all nodes. */
  configPatches?: string[];
}

/** Options of `talosctl cluster create --provisioner qemu`. */
export interface ClusterCreateOptions {
  name: string;
  /** Parent of the cluster's state directory (`<stateDir>/<name>`). */
  stateDir: string;
  /** Where talosctl writes (merges) the cluster's talosconfig. */
  talosconfig: string;
  controlplanes?: number;
  /** Worker VMs (talosctl's default is 1; Weft's is 0: the control plane runs workloads). */
  workers?: number;
  /** Network CIDR (default 10.5.0.0/24); give each cluster on a host its own. */
  cidr?: string;
  kubernetesVersion?: string;
  /** CPU share per control-plane VM, e.g. `2.0`. */
  cpus?: string;
  /** MiB per control-plane VM (default 2048). */
  memoryMiB?: number;
  /** MiB of disk per VM (default 6144). */
  diskMiB?: number;
  /** How long talosctl waits for the cluster to become healthy (default 20 min). */
  waitTimeoutMs?: number;
  configPatches?: string[];
}

/** Options of `talosctl kubeconfig`. */
export interface KubeconfigOptions {
  talosconfig: string;
  /** The file to write (overwritten, never merged). */
  dest: string;
  /** The node to fetch it from: one control-plane IP (talosctl refuses several). */
  node: string;
  /** Override the talosconfig's endpoints. */
  endpoints?: string[];
}

/** Options of `talosctl health`. */
export interface HealthOptions {
  talosconfig: string;
  /** The node that runs the checks (server-side); default: the talosconfig's. */
  node?: string;
  endpoints?: string[];
  controlPlaneNodes?: string[];
  workerNodes?: string[];
  /** Default 2 min (talosctl's own default is 20 min). */
  waitTimeoutMs?: number;
}

/** Options of `talosctl cluster destroy --provisioner qemu`. */
export interface ClusterDestroyOptions {
  name: string;
  stateDir: string;
  /** Remove the state directory even if stopping something failed. */
  force?: boolean;
}

/** Raised before running talosctl when an option is invalid; names the option, the value and the rule. */
export class TalosOptionError extends Error {
  override name = 'TalosOptionError';
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Checks a cluster name: it becomes VM, network and kubeconfig names, so a DNS label. */
export function validateClusterName(name: string): void {
  if (!DNS_LABEL.test(name)) {
    throw new TalosOptionError(`Talos cluster name "${name}" is not a DNS label: use 1-63 lowercase letters, digits and "-", starting and ending with a letter or digit`);
  }
}

/** Go's duration syntax, which talosctl's duration flags take: 120000 → `120s`. */
export function goDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) throw new TalosOptionError(`timeout ${ms} ms: expected a positive number of milliseconds`);
  return `${Math.ceil(ms / 1000)}s`;
}

const repeat = (flag: string, values: readonly string[] = []): string[] => values.flatMap((v) => [flag, v]);
const opt = (flag: string, value: string | number | undefined): string[] => (value === undefined ? [] : [flag, String(value)]);

/** `gen config NAME ENDPOINT --output DIR [--force] …` (`--output` with all three outputs is a directory). */
export function genConfigArgs(o: GenConfigOptions): string[] {
  validateClusterName(o.clusterName);
  return [
    'gen', 'config', o.clusterName, o.endpoint,
    '--output', o.outputDir,
    ...(o.force ? ['--force'] : []),
    ...opt('--kubernetes-version', o.kubernetesVersion),
    ...opt('--talos-version', o.talosVersion),
    ...(o.additionalSans?.length ? ['--additional-sans', o.additionalSans.join(',')] : []),
    ...repeat('--config-patch', o.configPatches),
  ];
}

/**
 * `cluster create --provisioner qemu …`. Always `--skip-kubeconfig` (talosctl would otherwise merge
 * into the operator's ~/.kube/config; the kubeconfig is fetched with `kubeconfig` instead) and
 * `--talosconfig FILE` (the legacy command's name for the destination; `--talosconfig-destination`
 * belongs to the newer `cluster create qemu` subcommand and is rejected here).
 */
export function clusterCreateArgs(o: ClusterCreateOptions): string[] {
  validateClusterName(o.name);
  return [
    'cluster', 'create',
    '--provisioner', 'qemu',
    '--name', o.name,
    '--state', o.stateDir,
    '--talosconfig', o.talosconfig,
    '--controlplanes', String(o.controlplanes ?? 1),
    '--workers', String(o.workers ?? 0),
    ...opt('--cidr', o.cidr),
    ...opt('--kubernetes-version', o.kubernetesVersion),
    ...opt('--cpus', o.cpus),
    ...opt('--memory', o.memoryMiB),
    ...opt('--disk', o.diskMiB),
    '--wait-timeout', goDuration(o.waitTimeoutMs ?? 20 * 60_000),
    '--skip-kubeconfig',
    ...repeat('--config-patch', o.configPatches),
  ];
}

/** `kubeconfig DEST --talosconfig FILE --nodes NODE --force --merge=false`: a clean file, never a merge. */
export function kubeconfigArgs(o: KubeconfigOptions): string[] {
  return [
    'kubeconfig', o.dest,
    '--talosconfig', o.talosconfig,
    '--nodes', o.node,
    ...(o.endpoints?.length ? ['--endpoints', o.endpoints.join(',')] : []),
    '--force', '--merge=false',
  ];
}

/** `health --talosconfig FILE --wait-timeout Ns …` (server-side checks, talosctl's default). */
export function healthArgs(o: HealthOptions): string[] {
  return [
    'health',
    '--talosconfig', o.talosconfig,
    ...opt('--nodes', o.node),
    ...(o.endpoints?.length ? ['--endpoints', o.endpoints.join(',')] : []),
    ...(o.controlPlaneNodes?.length ? ['--control-plane-nodes', o.controlPlaneNodes.join(',')] : []),
    ...(o.workerNodes?.length ? ['--worker-nodes', o.workerNodes.join(',')] : []),
    '--wait-timeout', goDuration(o.waitTimeoutMs ?? 120_000),
  ];
}

/** `cluster destroy --provisioner qemu --name NAME --state DIR [--force]` (talosctl defaults to docker). */
export function clusterDestroyArgs(o: ClusterDestroyOptions): string[] {
  validateClusterName(o.name);
  return ['cluster', 'destroy', '--provisioner', 'qemu', '--name', o.name, '--state', o.stateDir, ...(o.force ? ['--force'] : [])];
}
