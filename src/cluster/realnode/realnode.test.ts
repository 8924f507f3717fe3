import { parse } from 'yaml';
import { containerdPaths, renderContainerdConfig } from './containerd.js';
import { controllerManagerArgs } from './controllers.js';
import { renderKubeletConfig } from './kubelet.js';
import { cidrRange, networkForSlot, overlaps, renderCniConfig, slotIsFree, type RouteRow } from './network.js';

describe('real node network plan', () => {
  it.each([
    ['10.244.0.0/24', '10.244.0.128/25', true],
    ['10.244.0.0/24', '10.244.1.0/24', false],
    ['10.0.0.0/8', '10.97.3.0/24', true],
    ['10.97.3.1', '10.97.3.0/24', true],
    ['192.0.2.0/24', '10.244.0.0/24', false],
  ])('%s overlaps %s: %s', (a, b, want) => {
    expect(overlaps(a, b)).toBe(want);
  });

  it('computes CIDR ranges', () => {
    expect(cidrRange('10.244.3.7/24')).toEqual([(10 << 24) + (244 << 16) + (3 << 8), (10 << 24) + (244 << 16) + (3 << 8) + 255]);
  });

  it('picks /24 pod and service ranges per slot, the ClusterIP being the first service address', () => {
    expect(networkForSlot(3)).toEqual({
      slot: 3,
      bridge: 'weftbr3',
      podCidr: '10.244.3.0/24',
      gateway: '10.244.3.1',
      serviceCidr: '10.97.3.0/24',
      apiServiceIp: '10.97.3.1',
      network: 'weft-3',
    });
    expect(() => networkForSlot(256)).toThrow(/not in 0\.\.255/);
  });

  it('ignores the default route but not any route that covers a range', () => {
    const net = networkForSlot(0);
    const host: RouteRow[] = [{ dst: 'default' }, { dst: '192.0.2.0/24' }, { dst: '127.0.0.0/8', type: 'local' }];
    expect(slotIsFree(net, host)).toBe(true);
    expect(slotIsFree(net, [...host, { dst: '10.0.0.0/8' }])).toBe(false);
    expect(slotIsFree(net, [...host, { dst: '10.97.0.0/24', type: 'blackhole' }])).toBe(false);
    expect(slotIsFree(networkForSlot(1), [...host, { dst: '10.244.0.0/24' }])).toBe(true);
  });

  it('gives pods no default route and no masquerading: only their subnet and the service range', () => {
    const cni = JSON.parse(renderCniConfig(networkForSlot(2), '/x/ipam')) as { plugins: Array<Record<string, unknown>> };
    expect(cni.plugins[0]).toMatchObject({
      type: 'bridge',
      bridge: 'weftbr2',
      isGateway: false,
      isDefaultGateway: false,
      ipMasq: false,
      ipam: { type: 'host-local', dataDir: '/x/ipam', routes: [{ dst: '10.97.2.0/24', gw: '10.244.2.1' }] },
    });
  });
});

describe('real node component configuration', () => {
  it('containerd: private root, state and socket; restricted oom_score_adj; our pause image; cgroupfs', () => {
    const toml = renderContainerdConfig(containerdPaths('/n'));
    expect(toml).toContain('root = "/n/containerd/root"');
    expect(toml).toContain('state = "/n/containerd/state"');
    expect(toml).toContain('address = "/n/containerd/containerd.sock"');
    expect(toml).toContain('sandbox_image = "localhost/pause:weft"');
    expect(toml).toContain('restrict_oom_score_adj = true');
    expect(toml).toContain('netns_mounts_under_state_dir = true');
    expect(toml).toContain('SystemdCgroup = false');
    expect(toml).toContain('conf_dir = "/n/cni/net.d"');
  });

  it('kubelet: cgroup v1 allowed, cgroupfs, own cgroup root, serving on the node IP, no read-only port, no image GC', () => {
    const cfg = parse(
      renderKubeletConfig({
        nodeDir: '/n',
        nodeIp: '10.244.0.1',
        port: 10250,
        healthzPort: 10248,
        containerdSocket: '/n/containerd/containerd.sock',
        cgroupRoot: '/weft-node-0',
        clientCaFile: '/pki/ca.crt',
        tlsCertFile: '/n/k.crt',
        tlsKeyFile: '/n/k.key',
      }),
    ) as Record<string, unknown>;
    expect(cfg).toMatchObject({
      kind: 'KubeletConfiguration',
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      cgroupRoot: '/weft-node-0',
      address: '10.244.0.1',
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      containerRuntimeEndpoint: 'unix:///n/containerd/containerd.sock',
      authentication: { anonymous: { enabled: false }, x509: { clientCAFile: '/pki/ca.crt' } },
      authorization: { mode: 'Webhook' },
      imageGCHighThresholdPercent: 100,
      podLogsDir: '/n/kubelet/pod-logs',
    });
  });

  it('kube-controller-manager: no node CIDR allocation, no serving port, the service range given', () => {
    const args = controllerManagerArgs({ kubeconfig: '/k', pki: '/pki', serviceCidr: '10.97.0.0/24' });
    expect(args).toEqual(expect.arrayContaining(['--allocate-node-cidrs=false', '--secure-port=0', '--service-cluster-ip-range=10.97.0.0/24', '--root-ca-file=/pki/ca.crt']));
  });
});
