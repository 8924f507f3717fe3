/**
 * Typed talosctl failures. talosctl prints `err.Error()` on stderr and exits 1 for every failure
 * (cobra usage errors included), so the reason is read from the message; the hint says what to fix.
 */

/** What went wrong, in the terms of what an operator has to fix. */
export type TalosctlFailure =
  | 'not-installed'
  | 'not-executable'
  | 'timeout'
  | 'usage'
  | 'no-endpoints'
  | 'no-nodes'
  | 'unknown-context'
  | 'unreachable'
  | 'certificate'
  | 'qemu-missing'
  | 'kvm-missing'
  | 'not-root'
  | 'docker-unavailable'
  | 'cluster-exists'
  | 'cluster-not-found'
  | 'file-exists'
  | 'invalid-endpoint'
  | 'health-timeout'
  | 'unknown';

/** What a failed talosctl run left: the command, exit code, stderr and a hint naming the fix. */
export interface TalosctlFailureInfo {
  /** The subcommand, e.g. `cluster create`. */
  command: string;
  /** Every argument passed, e.g. for logs. */
  args: readonly string[];
  /** `undefined` when talosctl did not run or was killed. */
  exitCode: number | undefined;
  stderr: string;
  reason: TalosctlFailure;
  hint: string;
}

/** A failed talosctl run: the command, exit code, stderr and a hint naming the fix. */
export class TalosctlError extends Error {
  override name = 'TalosctlError';
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly reason: TalosctlFailure;
  readonly hint: string;
  constructor(f: TalosctlFailureInfo) {
    super(`talosctl ${f.command} failed${f.exitCode === undefined ? '' : ` (exit ${f.exitCode})`}: ${summary(f.stderr) || f.reason}${f.hint ? ` — ${f.hint}` : ''}`);
    ({ command: this.command, args: this.args, exitCode: this.exitCode, stderr: this.stderr, reason: this.reason, hint: this.hint } = f);
  }
}

/** The line of stderr worth a message: the last that is not usage text. */
function summary(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim());
  const usageAt = lines.findIndex((l) => l === 'Usage:');
  const relevant = (usageAt >= 0 ? lines.slice(0, usageAt) : lines).filter(Boolean);
  return relevant.at(-1) ?? '';
}

const RULES: Array<{ reason: TalosctlFailure; pattern: RegExp; hint: (m: RegExpExecArray) => string }> = [
  { reason: 'usage', pattern: /^(unknown (shorthand )?flag|unknown command|flag needs an argument|invalid argument|accepts (at most )?\d+ arg\(s\))/m, hint: () => 'this talosctl does not accept the command line Weft built; Weft drives talosctl v1.13.x: check `talosctl version --client`' },
  { reason: 'no-endpoints', pattern: /failed to determine endpoints/, hint: () => 'the talosconfig has no endpoints: set them with `talosctl --talosconfig FILE config endpoint <control plane IPs>` or pass the endpoints explicitly' },
  { reason: 'no-nodes', pattern: /nodes are not set for the command/, hint: () => 'pass the node to ask (a control plane IP) with --nodes' },
  { reason: 'unknown-context', pattern: /context "(.+)" is not defined/, hint: (m) => `the talosconfig has no context "${m[1]}": check the file, or regenerate it with \`talosctl gen config\`` },
  { reason: 'certificate', pattern: /x509|certificate has expired|expired certificate|unknown authority|authentication handshake failed/i, hint: () => 'the talosconfig\'s client certificate is expired (it is valid one year after `gen config`) or not from this cluster\'s CA: get a fresh talosconfig (`talosctl config new` against a node with a still-valid one, or from the secrets bundle)' },
  { reason: 'unreachable', pattern: /code = (Unavailable|DeadlineExceeded)|connection refused|no route to host|i\/o timeout/, hint: () => 'the Talos API (apid, port 50000) is not reachable on the talosconfig\'s endpoints: check that the nodes are up, the endpoints are their addresses, and no firewall blocks TCP 50000' },
  { reason: 'qemu-missing', pattern: /QEMU executable .* not found/, hint: () => 'install QEMU on the operator\'s host (`apt install qemu-system-x86 qemu-utils` or `dnf install qemu-kvm`)' },
  { reason: 'not-root', pattern: /please run as root user/, hint: () => '`cluster create --provisioner qemu` needs root (it sets up CNI networking): run the operator as root with CAP_SYS_ADMIN and CAP_NET_ADMIN' },
  { reason: 'kvm-missing', pattern: /error opening \/dev\/kvm/, hint: () => '/dev/kvm is missing: enable VT-x/AMD-V in firmware and load kvm_intel or kvm_amd (in a VM: enable nested virtualisation)' },
  { reason: 'docker-unavailable', pattern: /Cannot connect to the Docker daemon/, hint: () => 'talosctl used the docker provisioner (its default): pass --provisioner qemu' },
  { reason: 'cluster-exists', pattern: /state directory "(.+)" already exists/, hint: (m) => `a cluster's state is left in ${m[1]}: reuse the cluster, or remove it with \`talosctl cluster destroy --provisioner qemu\` and the same --name and --state` },
  { reason: 'cluster-not-found', pattern: /cluster "(.+)" not found/, hint: (m) => `no cluster "${m[1]}" in that --state directory: it was destroyed already, or --state/--name differ from those used to create it` },
  { reason: 'file-exists', pattern: /already exists, use --force to overwrite/, hint: () => 'the output file exists: pass --force, or write to an empty directory' },
  { reason: 'invalid-endpoint', pattern: /cluster endpoint URL|should have scheme https/, hint: () => 'the cluster endpoint must be an https:// URL with the Kubernetes API port, e.g. https://10.5.0.2:6443' },
  { reason: 'health-timeout', pattern: /healthcheck error|context deadline exceeded/, hint: () => 'the cluster did not become healthy within the wait timeout: the last `waiting for …` line names the check that did not pass' },
];

/**
 * Classifies a failed run from its stderr (pure). `notFound` / `timedOut` come from the runner.
 *
 * @example classifyTalosctlFailure({ stderr: 'error constructing client: failed to determine endpoints', exitCode: 1 }).reason // 'no-endpoints'
 */
export function classifyTalosctlFailure(r: { stderr: string; exitCode?: number; notFound?: boolean; timedOut?: boolean; timeoutMs?: number; errorMessage?: string }): { reason: TalosctlFailure; hint: string } {
  if (r.notFound) return { reason: 'not-installed', hint: 'talosctl is not on PATH: install the talosctl release matching your Talos version (https://github.com/siderolabs/talos/releases) or set WEFT_TALOSCTL to its path' };
  if (r.timedOut) return { reason: 'timeout', hint: `talosctl did not finish within ${Math.round((r.timeoutMs ?? 0) / 1000)} s and was killed` };
  if (r.exitCode === 126 || /Exec format error|EACCES|ENOEXEC/i.test(`${r.stderr} ${r.errorMessage ?? ''}`)) {
    return { reason: 'not-executable', hint: 'the talosctl binary cannot run here: download the build for this OS and architecture and make it executable' };
  }
  for (const rule of RULES) {
    const m = rule.pattern.exec(r.stderr);
    if (m) return { reason: rule.reason, hint: rule.hint(m) };
  }
  return { reason: 'unknown', hint: '' };
}
