import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TalosctlError, classifyTalosctlFailure } from './errors.js';

const unreachable = readFileSync(join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'talosctl', 'health-unreachable.stderr.txt'), 'utf8');

describe('classifyTalosctlFailure', () => {
  it.each([
    ['unknown flag: --talosconfig-destination\n\nUsage:\n  talosctl cluster create [flags]\n', 'usage', /Weft drives talosctl v1\.13\.x/],
    ['unknown command "qemu" for "talosctl cluster create"\n', 'usage', /does not accept/],
    ['accepts 2 arg(s), received 1\n', 'usage', /does not accept/],
    ['invalid argument "x" for "--workers" flag: strconv.ParseInt: parsing "x": invalid syntax\n', 'usage', /does not accept/],
    ['error constructing client: failed to determine endpoints\n', 'no-endpoints', /config endpoint/],
    ['nodes are not set for the command: please use `--nodes` flag or configuration file to set the nodes to run the command against\n', 'no-nodes', /--nodes/],
    ['error constructing client: failed to resolve configuration context: context "x" is not defined in \'contexts\' key in config\n', 'unknown-context', /no context "x"/],
    [unreachable, 'unreachable', /port 50000/],
    ['error copying: rpc error: code = Unavailable desc = connection error: desc = "error reading server preface: remote error: tls: expired certificate"\n', 'certificate', /client certificate is expired/],
    ['rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"', 'certificate', /not from this cluster's CA/],
    ['QEMU executable (qemu-system-x86_64 or qemu-kvm) not found, please install QEMU with package manager\n', 'qemu-missing', /install QEMU/],
    ['error: please run as root user (CNI requirement), we recommend running with `sudo -E`\n', 'not-root', /needs root/],
    ['error opening /dev/kvm, please make sure KVM support is enabled in Linux kernel: open /dev/kvm: permission denied\n', 'kvm-missing', /kvm_intel or kvm_amd/],
    ['Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n', 'docker-unavailable', /--provisioner qemu/],
    ['state directory "/s/acme" already exists, is the cluster "acme" already running? remove cluster state with talosctl cluster destroy\n', 'cluster-exists', /left in \/s\/acme/],
    ['cluster "acme" not found: stat /s/acme: no such file or directory\n', 'cluster-not-found', /no cluster "acme"/],
    ['file "/o/controlplane.yaml" already exists, use --force to overwrite\n', 'file-exists', /--force/],
    ['no scheme and port specified for the cluster endpoint URL\ntry: "https://10.5.0.2:6443"\n', 'invalid-endpoint', /https:\/\/10\.5\.0\.2:6443/],
    ['waiting for all k8s nodes to report: ...\nhealthcheck error: context deadline exceeded\n', 'health-timeout', /wait timeout/],
    ['something else entirely\n', 'unknown', /^$/],
  ])('%j → %s', (stderr, reason, hint) => {
    const c = classifyTalosctlFailure({ stderr, exitCode: 1 });
    expect(c.reason).toBe(reason);
    expect(c.hint).toMatch(hint);
  });

  it.each([
    [{ stderr: '', notFound: true }, 'not-installed', /not on PATH.*WEFT_TALOSCTL/],
    [{ stderr: '', timedOut: true, timeoutMs: 120_000 }, 'timeout', /within 120 s/],
    [{ stderr: '/usr/local/bin/talosctl: cannot execute binary file: Exec format error', exitCode: 126 }, 'not-executable', /this OS and architecture/],
  ])('%j → %s', (r, reason, hint) => {
    const c = classifyTalosctlFailure(r);
    expect(c).toEqual({ reason, hint: expect.stringMatching(hint) });
  });
});

describe('TalosctlError', () => {
  it('names the command, the exit code, the error line (not the usage) and the hint', () => {
    const err = new TalosctlError({ command: 'cluster create', args: ['cluster', 'create'], exitCode: 1, stderr: 'unknown flag: --x\n\nUsage:\n  talosctl cluster create [flags]\n', reason: 'usage', hint: 'fix it' });
    expect(err.message).toBe('talosctl cluster create failed (exit 1): unknown flag: --x — fix it');
    expect(err).toMatchObject({ name: 'TalosctlError', command: 'cluster create', exitCode: 1, reason: 'usage' });
  });

  it('falls back to the reason when there is no stderr', () => {
    expect(new TalosctlError({ command: 'version', args: [], exitCode: undefined, stderr: '', reason: 'not-installed', hint: 'install it' }).message).toBe('talosctl version failed: not-installed — install it');
  });
});
