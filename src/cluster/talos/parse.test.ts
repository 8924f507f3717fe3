import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TalosctlOutputError, parseClusterCreate, parseGenConfig, parseHealth, parseVersion, talosMinor } from './parse.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'talosctl');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe('parseVersion', () => {
  it.each([
    ['the long client block', fixture('version-client.txt'), { tag: 'v1.13.9', sha: '7f2d1c3e', goVersion: 'go1.25.5', osArch: 'linux/amd64' }],
    ['--short', fixture('version-client-short.txt'), { tag: 'v1.13.9' }],
    ['client and server blocks (the client wins)', 'Client:\n\tTag:         v1.13.9\n\tSHA:         aaaa\nServer:\n\tNODE:        10.5.0.2\n\tTag:         v1.12.4\n', { tag: 'v1.13.9', sha: 'aaaa' }],
    ['CRLF', 'Client:\r\n\tTag:         v1.13.0-alpha.1\r\n', { tag: 'v1.13.0-alpha.1' }],
  ])('%s', (_name, out, want) => expect(parseVersion(out)).toEqual(want));

  it.each(['', 'talosctl: command not found', 'Client:\n\tTag:\n'])('rejects %j with the output in the message', (out) => {
    expect(() => parseVersion(out)).toThrow(TalosctlOutputError);
    expect(() => parseVersion(out)).toThrow(/unexpected `talosctl version --client` output/);
  });

  it.each([
    ['v1.13.9', [1, 13]],
    ['1.12.0', [1, 12]],
    ['main', undefined],
  ])('talosMinor(%j) → %j', (tag, want) => expect(talosMinor(tag)).toEqual(want));
});

describe('parseHealth', () => {
  it('reads a healthy run: every check OK or SKIP', () => {
    const h = parseHealth(fixture('health-ok.stderr.txt'));
    expect(h.ok).toBe(true);
    expect(h.discoveredNodes).toEqual(['10.5.0.2', '10.5.0.3']);
    expect(h.checks).toHaveLength(16);
    expect(h.checks[0]).toEqual({ name: 'etcd to be healthy', state: 'ok', message: 'OK' });
    expect(h.checks.find((c) => c.name === 'kube-proxy to report ready')).toEqual({ name: 'kube-proxy to report ready', state: 'skipped', message: 'SKIP' });
    expect(h.error).toBeUndefined();
  });

  it('reads a timed-out run: the failing check keeps its last error', () => {
    const h = parseHealth(fixture('health-timeout.stderr.txt'));
    expect(h.ok).toBe(false);
    expect(h.checks.at(-1)).toEqual({ name: 'all k8s nodes to report', state: 'failed', message: 'can\'t find expected node with IPs ["10.5.0.4"]' });
    expect(h.error).toBe('healthcheck error: context deadline exceeded');
  });

  it('reads an unreachable cluster: no checks, the rpc error', () => {
    expect(parseHealth(fixture('health-unreachable.stderr.txt'))).toEqual({
      ok: false,
      discoveredNodes: [],
      checks: [],
      error: expect.stringMatching(/^rpc error: code = Unavailable .*connection refused/),
    });
  });

  it.each([
    ['a pending check is not OK', 'waiting for etcd to be healthy: ...\n', false, 'pending'],
    ['a later OK replaces an earlier error', 'waiting for apid to be ready: rpc error: x\nwaiting for apid to be ready: OK\n', true, 'ok'],
    ['TTY output: colours and spinner', '\u001b[31m◰ waiting for etcd to be healthy: connection refused\u001b[0m\n\u001b[A\u001b[K\u001b[32mwaiting for etcd to be healthy: OK\u001b[0m\n', true, 'ok'],
    ['an error message that itself contains ": "', 'waiting for etcd to be healthy: 10.5.0.2: service is not healthy: etcd\n', false, 'failed'],
  ])('%s', (_name, out, ok, state) => {
    const h = parseHealth(out);
    expect(h.ok).toBe(ok);
    expect(h.checks).toHaveLength(1);
    expect(h.checks[0]!.state).toBe(state);
  });

  it('keeps the whole message after the check name', () => {
    expect(parseHealth('waiting for etcd to be healthy: 10.5.0.2: service is not healthy: etcd').checks[0]).toEqual({ name: 'etcd to be healthy', state: 'failed', message: '10.5.0.2: service is not healthy: etcd' });
  });

  it('is not ok for empty output', () => expect(parseHealth('').ok).toBe(false));
});

describe('parseClusterCreate', () => {
  const report = parseClusterCreate(`${fixture('cluster-create.stderr.txt')}\n${fixture('cluster-create.stdout.txt')}`);

  it('reads the summary block', () => {
    expect(report).toMatchObject({
      stateDirectory: '/var/lib/weft/talos/state/acme-edge',
      provisioner: 'qemu',
      name: 'acme-edge',
      networkName: 'acme-edge',
      networkCidr: '10.5.0.0/24',
      networkGateway: '10.5.0.1',
      networkMtu: 1500,
      kubernetesEndpoint: 'https://10.5.0.1:6443',
    });
  });

  it('reads the NODES table, multi-word cells included', () => {
    expect(report.nodes).toEqual([
      { name: 'acme-edge-controlplane-1', type: 'controlplane', ips: ['10.5.0.2'], cpus: 2, memory: '2.1 GB', disk: '6.4 GB' },
      { name: 'acme-edge-controlplane-2', type: 'controlplane', ips: ['10.5.0.3'], cpus: 2, memory: '2.1 GB', disk: '6.4 GB' },
      { name: 'acme-edge-worker-1', type: 'worker', ips: ['10.5.0.4'], cpus: 4, memory: '8.6 GB', disk: '11 GB' },
    ]);
  });

  it('notes the KVM fallback, the context rename and the checks', () => {
    expect(report.kvm).toBe(false);
    expect(report.renamedContexts).toEqual([{ from: 'acme-edge', to: 'acme-edge-1' }]);
    expect(report.checks).toHaveLength(16);
    expect(report.checks.every((c) => c.state === 'ok')).toBe(true);
  });

  it.each([
    ['IPv4 and IPv6 addresses, "-" columns', 'NODES:\n\nNAME    TYPE           IP                     CPU   RAM   DISK\nc-1     controlplane   10.5.0.2,fd74::2       -     -     -\n', [{ name: 'c-1', type: 'controlplane', ips: ['10.5.0.2', 'fd74::2'] }]],
    ['output cut before the table', 'creating network x\n', []],
  ])('%s', (_name, out, nodes) => expect(parseClusterCreate(out).nodes).toEqual(nodes));

  it('reports KVM when no warning was printed', () => expect(parseClusterCreate('bootstrapping cluster\n').kvm).toBe(true));
});

describe('parseGenConfig', () => {
  it('lists the created files', () => {
    expect(parseGenConfig(fixture('gen-config.stderr.txt'))).toEqual([
      '/var/lib/weft/talos/acme-edge/controlplane.yaml',
      '/var/lib/weft/talos/acme-edge/worker.yaml',
      '/var/lib/weft/talos/acme-edge/talosconfig',
    ]);
  });
  it('finds nothing in other output', () => expect(parseGenConfig('generating PKI and tokens\n')).toEqual([]));
});
