import { execa } from 'execa';

/** A failed talosctl call: the command, exit code, stderr, and what to check. */
export class TalosctlError extends Error {
  override name = 'TalosctlError';
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly stderr: string,
    readonly hint: string,
  ) {
    super(`talosctl ${command} failed (exit ${exitCode}): ${lastLine(stderr)}${hint ? ` — ${hint}` : ''}`);
  }
}

const lastLine = (s: string) => s.trim().split('\n').filter(Boolean).pop() ?? '';

/** `talosctl version --client` → the client Tag (e.g. v1.13.9). */
export function parseVersion(stdout: string): string {
  const m = /^\s*Tag:\s+(\S+)/m.exec(stdout);
  if (!m) throw new Error(`unexpected talosctl version output: ${JSON.stringify(stdout.slice(0, 200))}`);
  return m[1]!;
}

/** `talosctl cluster create` summary → Kubernetes endpoint and nodes. */
export function parseClusterCreate(stdout: string): { kubernetesEndpoint?: string; nodes: Array<{ name: string; type: string; ip: string }> } {
  const endpoint = /^KUBERNETES ENDPOINT\s+(\S+)/m.exec(stdout)?.[1];
  const nodes: Array<{ name: string; type: string; ip: string }> = [];
  const table = stdout.split(/^NODES:\s*$/m)[1] ?? '';
  for (const line of table.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 3 && cols[0] !== 'NAME' && /^(controlplane|worker)$/.test(cols[1]!)) nodes.push({ name: cols[0]!, type: cols[1]!, ip: cols[2]! });
  }
  return { kubernetesEndpoint: endpoint, nodes };
}

/** `talosctl health` → each `waiting for X: RESULT` check, and whether all passed. */
export function parseHealth(stdout: string): { ok: boolean; checks: Array<{ name: string; ok: boolean; message: string }> } {
  const latest = new Map<string, { name: string; ok: boolean; message: string }>();
  for (const line of stdout.split('\n')) {
    const m = /^waiting for (.+?): (.*)$/.exec(line.trim());
    if (m) latest.set(m[1]!, { name: m[1]!, ok: m[2] === 'OK', message: m[2]! });
  }
  const checks = [...latest.values()];
  return { ok: checks.length > 0 && checks.every((c) => c.ok), checks };
}

function hintFor(stderr: string): string {
  if (/ENOENT|not found/.test(stderr) && /spawn/.test(stderr)) return 'talosctl is not on PATH: install it or set WEFT_TALOSCTL';
  if (/connection refused|Unavailable/.test(stderr)) return 'the Talos API (port 50000) is not reachable: check spec.talos.endpoints and that the nodes are up';
  if (/certificate|x509/.test(stderr)) return 'the talosconfig certificates do not match the cluster (expired or from another cluster)';
  if (/kvm|qemu/i.test(stderr)) return 'QEMU/KVM is missing on this host: install qemu-system-x86 and check /dev/kvm';
  if (/unknown flag|unknown command/.test(stderr)) return 'this talosctl version does not support the command; Weft expects v1.13.x';
  return '';
}

/** Typed wrappers over the talosctl commands the Talos provider runs. */
export class Talosctl {
  constructor(readonly bin = process.env.WEFT_TALOSCTL || 'talosctl') {}

  private async run(args: string[], timeoutMs = 600_000): Promise<string> {
    const r = await execa(this.bin, args, { reject: false, timeout: timeoutMs, all: false });
    if (r.exitCode !== 0) {
      const stderr = String(r.stderr || r.stdout || (r as { message?: string }).message || '');
      throw new TalosctlError(args.slice(0, 2).join(' '), r.exitCode ?? -1, stderr, hintFor(stderr + ((r as { code?: string }).code === 'ENOENT' ? ' spawn ENOENT' : '')));
    }
    return String(r.stdout);
  }

  async version(): Promise<string> {
    return parseVersion(await this.run(['version', '--client']));
  }

  async genConfig(name: string, endpoint: string, outputDir: string): Promise<void> {
    await this.run(['gen', 'config', name, endpoint, '--output-dir', outputDir]);
  }

  async clusterCreate(o: { name: string; stateDir: string; talosconfig: string; workers?: number }) {
    const stdout = await this.run(['cluster', 'create', '--provisioner', 'qemu', '--name', o.name, '--state', o.stateDir, '--workers', String(o.workers ?? 0), '--talosconfig-destination', o.talosconfig]);
    return parseClusterCreate(stdout);
  }

  async kubeconfig(o: { talosconfig: string; dest: string; nodes?: string[] }): Promise<void> {
    await this.run(['kubeconfig', o.dest, '--force', '--talosconfig', o.talosconfig, ...(o.nodes?.length ? ['--nodes', o.nodes.join(',')] : [])]);
  }

  async health(o: { talosconfig: string; waitTimeout?: string }) {
    try {
      return parseHealth(await this.run(['health', '--talosconfig', o.talosconfig, '--wait-timeout', o.waitTimeout ?? '2m']));
    } catch (err) {
      if (err instanceof TalosctlError) return { ok: false, checks: [{ name: 'health', ok: false, message: err.message }] };
      throw err;
    }
  }

  async clusterDestroy(o: { name: string; stateDir: string }): Promise<void> {
    await this.run(['cluster', 'destroy', '--provisioner', 'qemu', '--name', o.name, '--state', o.stateDir]);
  }
}
