/**
 * Pure parsers for talosctl v1.13 output. Formats come from talosctl's source: the version template
 * (pkg/machinery/version), `cluster create`'s progress lines and `cluster show` table
 * (cmd/talosctl/cmd/mgmt/cluster), and the check reporter (pkg/cluster/check/reporter.go).
 */

/** Raised when talosctl printed something these parsers do not recognise; carries the output. */
export class TalosctlOutputError extends Error {
  override name = 'TalosctlOutputError';
  constructor(
    readonly command: string,
    readonly output: string,
    expected: string,
  ) {
    super(`unexpected \`talosctl ${command}\` output (expected ${expected}): ${JSON.stringify(output.slice(0, 200))}`);
  }
}

// The reporter colours and redraws lines on a TTY; Weft never runs it on one, but strip it anyway.
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const SPINNER = /^[◰◳◲◱]\s*/u;
const lines = (text: string): string[] => text.replace(ANSI, '').split(/\r?\n/).map((l) => l.replace(SPINNER, '').trimEnd());

/** `talosctl version --client`: the client's release. */
export interface TalosVersion {
  /** e.g. `v1.13.9`. */
  tag: string;
  sha?: string;
  goVersion?: string;
  /** e.g. `linux/amd64`. */
  osArch?: string;
}

/**
 * Parses `talosctl version --client` (long: `\tTag:  v1.13.9` …; or `--short`: `Talos v1.13.9`).
 *
 * @example parseVersion('Client:\n\tTag:         v1.13.9\n\tSHA:         7f2d1c3e\n') // { tag: 'v1.13.9', sha: '7f2d1c3e' }
 */
export function parseVersion(stdout: string): TalosVersion {
  const client = stdout.split(/^Server:/m)[0] ?? '';
  const field = (name: string) => new RegExp(`^\\s*${name}:[ \\t]*(\\S*)`, 'm').exec(client)?.[1] || undefined;
  const tag = field('Tag') ?? /^Talos (v\S+)/m.exec(client)?.[1];
  if (!tag) throw new TalosctlOutputError('version --client', stdout, 'a "Tag:" line or "Talos vX.Y.Z"');
  const v: TalosVersion = { tag };
  const sha = field('SHA');
  const goVersion = /^\s*Go version:\s*(\S+)/m.exec(client)?.[1];
  const osArch = field('OS/Arch');
  if (sha) v.sha = sha;
  if (goVersion) v.goVersion = goVersion;
  if (osArch) v.osArch = osArch;
  return v;
}

/** Major and minor of a Talos tag: `v1.13.9` → `[1, 13]`. */
export function talosMinor(tag: string): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(tag);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** One `waiting for CHECK: STATE` line's latest state. */
export interface HealthCheck {
  /** e.g. `etcd to be healthy`. */
  name: string;
  /** `ok`; `skipped` (the component is not deployed); `pending` (`...`); `failed` (an error message). */
  state: 'ok' | 'skipped' | 'pending' | 'failed';
  /** `OK`, `SKIP`, `...` or the last error talosctl printed for the check. */
  message: string;
}

/** The outcome of `talosctl health` (or the checks `cluster create` runs). */
export interface HealthReport {
  /** Every check reported, none pending or failed, and no error line. */
  ok: boolean;
  /** From `discovered nodes: ["10.5.0.2" "10.5.0.3"]`, when printed. */
  discoveredNodes: string[];
  /** In the order talosctl ran them, each with its last state. */
  checks: HealthCheck[];
  /** The final error (`healthcheck error: …`, `rpc error: …`), when the run failed. */
  error?: string;
}

const stateOf = (message: string): HealthCheck['state'] => {
  if (message === 'OK') return 'ok';
  if (message === 'SKIP') return 'skipped';
  if (message === '...' || message === '') return 'pending';
  return 'failed';
};

/**
 * Parses the check lines of `talosctl health` (which writes them to stderr) or of `cluster create`.
 * A check printed more than once keeps its last state. Lines that are neither checks nor the
 * discovered-nodes line are taken as the error when they look like one.
 *
 * @example parseHealth('waiting for etcd to be healthy: ...\nwaiting for etcd to be healthy: OK\n').checks
 * // [{ name: 'etcd to be healthy', state: 'ok', message: 'OK' }]
 */
export function parseHealth(output: string): HealthReport {
  const checks = new Map<string, HealthCheck>();
  let discoveredNodes: string[] = [];
  let error: string | undefined;
  for (const line of lines(output)) {
    const check = /^waiting for (.+?): (.*)$/.exec(line) ?? /^waiting for (.+?):?$/.exec(line);
    if (check) {
      const message = (check[2] ?? '').trim();
      checks.set(check[1]!, { name: check[1]!, state: stateOf(message), message });
      continue;
    }
    const discovered = /^discovered nodes:\s*(.*)$/.exec(line);
    if (discovered) {
      discoveredNodes = [...discovered[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
      continue;
    }
    if (/^(healthcheck error|rpc error|error[ :]|.*context deadline exceeded)/i.test(line.trim())) error = line.trim();
  }
  const all = [...checks.values()];
  const report: HealthReport = { ok: all.length > 0 && all.every((c) => c.state === 'ok' || c.state === 'skipped') && !error, discoveredNodes, checks: all };
  if (error) report.error = error;
  return report;
}

/** A node row of the `cluster create` / `cluster show` table. */
export interface ClusterNode {
  name: string;
  type: string;
  ips: string[];
  /** CPU share, e.g. 2 (`-` in the table → undefined). */
  cpus?: number;
  /** As printed (SI units), e.g. `2.1 GB`. */
  memory?: string;
  disk?: string;
}

/** What `talosctl cluster create` printed: progress, checks and the summary table. */
export interface ClusterCreateReport {
  /** From `creating state directory in "…"`. */
  stateDirectory?: string;
  provisioner?: string;
  name?: string;
  networkName?: string;
  networkCidr?: string;
  networkGateway?: string;
  networkMtu?: number;
  /** `KUBERNETES ENDPOINT`, e.g. `https://10.5.0.1:6443`. */
  kubernetesEndpoint?: string;
  nodes: ClusterNode[];
  /** False when talosctl printed "running without KVM" (QEMU falls back to slow emulation). */
  kvm: boolean;
  checks: HealthCheck[];
  /** Talos context renames when the talosconfig already had one of that name. */
  renamedContexts: Array<{ from: string; to: string }>;
}

const SUMMARY_KEYS: Record<string, keyof ClusterCreateReport> = {
  PROVISIONER: 'provisioner',
  NAME: 'name',
  'NETWORK NAME': 'networkName',
  'NETWORK CIDR': 'networkCidr',
  'NETWORK GATEWAY': 'networkGateway',
  'KUBERNETES ENDPOINT': 'kubernetesEndpoint',
};

/**
 * Parses `talosctl cluster create` output (stdout and stderr together, in any interleaving): the
 * state directory, the summary block and the NODES table (text/tabwriter, columns ≥ 3 spaces apart).
 *
 * @example parseClusterCreate(out).kubernetesEndpoint // 'https://10.5.0.1:6443'
 */
export function parseClusterCreate(output: string): ClusterCreateReport {
  const report: ClusterCreateReport = { nodes: [], kvm: true, checks: parseHealth(output).checks, renamedContexts: [] };
  let inNodes = false;
  for (const line of lines(output)) {
    const dir = /^creating state directory in "(.+)"$/.exec(line);
    if (dir) report.stateDirectory = dir[1]!;
    if (line === 'running without KVM') report.kvm = false;
    const renamed = /^renamed talosconfig context "(.+)" -> "(.+)"$/.exec(line);
    if (renamed) report.renamedContexts.push({ from: renamed[1]!, to: renamed[2]! });
    if (line === 'NODES:') inNodes = true;
    const cols = line.trim().split(/\s{2,}/);
    if (inNodes) {
      if (cols.length >= 3 && cols[0] !== 'NAME' && /^(controlplane|worker|init)$/.test(cols[1]!)) report.nodes.push(nodeRow(cols));
      continue;
    }
    if (cols.length === 2 && cols[0] === 'NETWORK MTU') report.networkMtu = Number(cols[1]);
    const key = cols.length === 2 ? SUMMARY_KEYS[cols[0]!] : undefined;
    if (key) (report as unknown as Record<string, string>)[key] = cols[1]!;
  }
  return report;
}

function nodeRow(cols: string[]): ClusterNode {
  const [name, type, ips, cpus, memory, disk] = cols as [string, string, string, string?, string?, string?];
  const node: ClusterNode = { name, type, ips: ips.split(',') };
  if (cpus && cpus !== '-') node.cpus = Number(cpus);
  if (memory && memory !== '-') node.memory = memory;
  if (disk && disk !== '-') node.disk = disk;
  return node;
}

/** `talosctl gen config` writes `Created PATH` (stderr) per file. */
export function parseGenConfig(output: string): string[] {
  return lines(output).flatMap((l) => /^Created (.+)$/.exec(l)?.[1] ?? []);
}
