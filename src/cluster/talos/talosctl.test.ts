import { clusterCreateArgs, clusterDestroyArgs, genConfigArgs, goDuration, healthArgs, kubeconfigArgs, TalosOptionError, validateClusterName } from './args.js';
import { TalosctlError } from './errors.js';
import { Talosctl, commandOf, type TalosctlRunResult, type TalosctlRunner } from './talosctl.js';

const ok = (stdout = '', stderr = ''): TalosctlRunResult => ({ exitCode: 0, stdout, stderr, all: `${stderr}${stdout}` });
const fail = (stderr: string, exitCode = 1): TalosctlRunResult => ({ exitCode, stdout: '', stderr, all: stderr });

/** A runner that answers from a list and records the calls. */
function scripted(...answers: TalosctlRunResult[]) {
  const calls: Array<{ bin: string; args: readonly string[]; timeoutMs: number }> = [];
  const run: TalosctlRunner = async (bin, args, { timeoutMs }) => {
    calls.push({ bin, args, timeoutMs });
    return answers.shift() ?? ok();
  };
  return { run, calls };
}

describe('command lines', () => {
  it('gen config writes into a directory with --output', () => {
    expect(genConfigArgs({ clusterName: 'acme', endpoint: 'https://10.5.0.2:6443', outputDir: '/o', force: true, kubernetesVersion: '1.36.3', additionalSans: ['a', 'b'], configPatches: ['@p.yaml'] })).toEqual([
      'gen', 'config', 'acme', 'https://10.5.0.2:6443', '--output', '/o', '--force', '--kubernetes-version', '1.36.3', '--additional-sans', 'a,b', '--config-patch', '@p.yaml',
    ]);
  });

  it('cluster create uses the legacy qemu command, --talosconfig as the destination, and skips the kubeconfig merge', () => {
    expect(clusterCreateArgs({ name: 'acme', stateDir: '/s', talosconfig: '/t' })).toEqual([
      'cluster', 'create', '--provisioner', 'qemu', '--name', 'acme', '--state', '/s', '--talosconfig', '/t', '--controlplanes', '1', '--workers', '0', '--wait-timeout', '1200s', '--skip-kubeconfig',
    ]);
    expect(clusterCreateArgs({ name: 'a', stateDir: '/s', talosconfig: '/t', workers: 2, cidr: '10.6.0.0/24', memoryMiB: 4096, waitTimeoutMs: 90_500 })).toEqual(
      expect.arrayContaining(['--workers', '2', '--cidr', '10.6.0.0/24', '--memory', '4096', '--wait-timeout', '91s']),
    );
  });

  it('kubeconfig writes a clean file from one node', () => {
    expect(kubeconfigArgs({ talosconfig: '/t', dest: '/k', node: '10.5.0.2', endpoints: ['10.5.0.2', '10.5.0.3'] })).toEqual([
      'kubeconfig', '/k', '--talosconfig', '/t', '--nodes', '10.5.0.2', '--endpoints', '10.5.0.2,10.5.0.3', '--force', '--merge=false',
    ]);
  });

  it('health defaults to a 2 minute wait', () => {
    expect(healthArgs({ talosconfig: '/t' })).toEqual(['health', '--talosconfig', '/t', '--wait-timeout', '120s']);
    expect(healthArgs({ talosconfig: '/t', node: '10.5.0.2', controlPlaneNodes: ['10.5.0.2'], workerNodes: ['10.5.0.3', '10.5.0.4'] })).toEqual([
      'health', '--talosconfig', '/t', '--nodes', '10.5.0.2', '--control-plane-nodes', '10.5.0.2', '--worker-nodes', '10.5.0.3,10.5.0.4', '--wait-timeout', '120s',
    ]);
  });

  it('cluster destroy names the qemu provisioner (talosctl defaults to docker)', () => {
    expect(clusterDestroyArgs({ name: 'acme', stateDir: '/s', force: true })).toEqual(['cluster', 'destroy', '--provisioner', 'qemu', '--name', 'acme', '--state', '/s', '--force']);
  });

  it.each(['Acme', 'acme_edge', '-acme', 'a'.repeat(64), ''])('rejects the cluster name %j, saying what is allowed', (name) => {
    expect(() => validateClusterName(name)).toThrow(TalosOptionError);
    expect(() => validateClusterName(name)).toThrow(/is not a DNS label: use 1-63 lowercase letters/);
  });

  it.each([
    [1, '1s'],
    [120_000, '120s'],
  ])('goDuration(%p) → %p', (ms, want) => expect(goDuration(ms)).toBe(want));
  it('rejects a non-positive timeout', () => expect(() => goDuration(0)).toThrow(/expected a positive number/));

  it.each([
    [['cluster', 'create', '--name', 'x'], 'cluster create'],
    [['gen', 'config', 'acme', 'https://x:6443'], 'gen config'],
    [['kubeconfig', '/k', '--force'], 'kubeconfig'],
    [['version', '--client'], 'version'],
  ])('commandOf(%j) → %p', (args, want) => expect(commandOf(args)).toBe(want));
});

describe('Talosctl with an injected runner', () => {
  it('runs $WEFT_TALOSCTL, else talosctl', () => {
    const saved = process.env.WEFT_TALOSCTL;
    process.env.WEFT_TALOSCTL = '/opt/talosctl';
    try {
      expect(new Talosctl().bin).toBe('/opt/talosctl');
      expect(new Talosctl({ bin: '/x' }).bin).toBe('/x');
    } finally {
      if (saved === undefined) delete process.env.WEFT_TALOSCTL;
      else process.env.WEFT_TALOSCTL = saved;
    }
  });

  it('gives cluster create the wait timeout plus 10 minutes, and parses its combined output', async () => {
    const { run, calls } = scripted(ok('bootstrapping cluster\nKUBERNETES ENDPOINT   https://10.5.0.1:6443\n', 'creating state directory in "/s/acme"\n'));
    const c = await new Talosctl({ run, bin: 'talosctl' }).clusterCreate({ name: 'acme', stateDir: '/s', talosconfig: '/t', waitTimeoutMs: 60_000 });
    expect(calls[0]!.timeoutMs).toBe(11 * 60_000);
    expect(c).toMatchObject({ stateDirectory: '/s/acme', kubernetesEndpoint: 'https://10.5.0.1:6443', talosconfig: '/t' });
  });

  it('throws TalosctlError with reason and hint on a non-zero exit', async () => {
    const { run } = scripted(fail('QEMU executable (qemu-system-x86_64 or qemu-kvm) not found, please install QEMU with package manager\n'));
    const err = await new Talosctl({ run }).clusterCreate({ name: 'acme', stateDir: '/s', talosconfig: '/t' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TalosctlError);
    expect(err).toMatchObject({ command: 'cluster create', exitCode: 1, reason: 'qemu-missing' });
  });

  it('returns an unhealthy cluster as a result, with the checks seen and the failure', async () => {
    const { run } = scripted(fail('waiting for etcd to be healthy: ...\nwaiting for etcd to be healthy: OK\nwaiting for apid to be ready: ...\nhealthcheck error: context deadline exceeded\n'));
    const h = await new Talosctl({ run }).health({ talosconfig: '/t' });
    expect(h).toMatchObject({ ok: false, error: 'healthcheck error: context deadline exceeded', failure: { reason: 'health-timeout' } });
    expect(h.checks.map((c) => c.state)).toEqual(['ok', 'pending']);
  });

  it('still throws from health when talosctl is missing or rejects the command line', async () => {
    const missing: TalosctlRunner = async () => ({ stdout: '', stderr: '', all: '', notFound: true });
    await expect(new Talosctl({ run: missing }).health({ talosconfig: '/t' })).rejects.toMatchObject({ reason: 'not-installed' });
    await expect(new Talosctl({ run: scripted(fail('unknown flag: --x')).run }).health({ talosconfig: '/t' })).rejects.toMatchObject({ reason: 'usage' });
  });

  it('treats destroying a cluster that is gone as done', async () => {
    const { run } = scripted(fail('cluster "acme" not found: stat /s/acme: no such file or directory\n'), ok());
    const t = new Talosctl({ run });
    expect(await t.clusterDestroy({ name: 'acme', stateDir: '/s' })).toEqual({ destroyed: false });
    expect(await t.clusterDestroy({ name: 'acme', stateDir: '/s' })).toEqual({ destroyed: true });
  });

  it('reports a killed run as a timeout', async () => {
    const { run } = scripted({ stdout: '', stderr: '', all: '', timedOut: true });
    await expect(new Talosctl({ run, timeoutMs: 5000 }).version()).rejects.toMatchObject({ reason: 'timeout', hint: expect.stringMatching(/within 5 s/) });
  });
});
