// `cluster create --provisioner qemu` and `cluster destroy`. The real tool boots Talos VMs; the fake
// starts a real etcd + kube-apiserver with `weft cluster up --home <state>/<name>` instead, and prints
// talosctl's progress lines (stderr), bootstrap line and summary table (stdout).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CliError, parseGoDuration } from './cli.mjs';
import { writeKubeconfig, runChecks } from './client.mjs';
import { defaultTalosconfigPath, genSecrets, mergeTalosconfig, talosconfigOf, toYaml } from './config.mjs';
import { failMode } from './fail.mjs';
import { weftState } from './probe.mjs';
import { clusterMarker } from './secrets.mjs';
import { REPO } from './version.mjs';

const WEFT = join(REPO, 'bin', 'weft.js');
const weft = (...args) => spawnSync(process.execPath, [WEFT, ...args], { encoding: 'utf8', timeout: 180_000 });
const DOCKER_DOWN = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';

function checkProvisioner(name) {
  if (name === 'docker') throw new CliError(DOCKER_DOWN);
  if (name !== 'qemu') throw new CliError(`unsupported provisioner "${name}"`);
}

/** go-humanize's Bytes: SI units, one decimal below 10. */
export function humanBytes(n) {
  if (n < 10) return `${n} B`;
  const sizes = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  const e = Math.floor(Math.log(n) / Math.log(1000));
  const val = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? val.toFixed(1) : val.toFixed(0)} ${sizes[e]}`;
}

/** text/tabwriter with padding 3: every cell but the last is padded to its column's width + 3. */
export function tabwrite(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] + 3) : c)).join('')).join('\n');
}

function nthIp(cidr, n) {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new CliError(`error validating cidr block: netip.ParsePrefix("${cidr}"): ${cidr.includes('/') ? 'bad prefix' : "no '/'"}`);
  const base = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const ip = base + n;
  return [24, 16, 8, 0].map((s) => Math.floor(ip / 2 ** s) % 256).join('.');
}

/** `talosctl cluster create --provisioner qemu`. */
export async function clusterCreate({ flags }, io) {
  checkProvisioner(flags.provisioner);
  const name = flags.name;
  const home = resolve(flags.state, name);
  io.err('validating CIDR and reserving IPs');
  if (flags.controlplanes < 1) throw new CliError("number of controlplanes can't be less than 1");
  const nodes = [
    ...Array.from({ length: flags.controlplanes }, (_, i) => ({ name: `${name}-controlplane-${i + 1}`, type: 'controlplane', cpus: flags.cpus, memory: flags.memory })),
    ...Array.from({ length: flags.workers }, (_, i) => ({ name: `${name}-worker-${i + 1}`, type: 'worker', cpus: flags['cpus-workers'], memory: flags['memory-workers'] })),
  ].map((n, i) => ({ ...n, ip: nthIp(flags.cidr, 2 + i) }));
  const gateway = nthIp(flags.cidr, 1);
  io.err('generating PKI and tokens');
  const secrets = await genSecrets(name, clusterMarker(home));
  preflight(io);
  if (existsSync(home)) throw new CliError(`state directory "${home}" already exists, is the cluster "${name}" already running? remove cluster state with talosctl cluster destroy`);
  io.err(`creating state directory in "${home}"`);
  mkdirSync(home, { recursive: true });
  for (const step of [`creating network ${name}`, 'creating load balancer', 'creating dnsd', 'creating controlplane nodes', 'creating dhcpd', 'creating worker nodes']) io.err(step);
  const up = weft('cluster', 'up', '--home', home);
  if (up.status !== 0) throw new CliError(`error launching VMs (fake: \`weft cluster up --home ${home}\` failed): ${(up.stderr || up.stdout || String(up.error)).trim().split('\n').slice(-5).join('\n')}`);
  const cp = weftStateOrFail(home, nodes, { name, cidr: flags.cidr, gateway, mtu: flags.mtu, disk: flags.disk });
  mergeTalosconfig(flags.talosconfig || defaultTalosconfigPath(), talosconfigOf(secrets, nodes.filter((n) => n.type === 'controlplane').map((n) => n.ip)), io.err);
  io.out('bootstrapping cluster');
  if (flags.wait) {
    if (!(await runChecks(cp, nodes[0].ip, parseGoDuration(flags['wait-timeout']), io.err))) throw new CliError('context deadline exceeded');
    if (!flags['skip-kubeconfig']) {
      const path = process.env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config');
      io.err(`\nmerging kubeconfig into "${path}"`);
      writeKubeconfig(path, home, name, { merge: true, force: false }, io.out);
    }
  }
  io.out(summary(cp, name, flags));
}

function preflight(io) {
  const mode = failMode();
  if (mode === 'root') throw new CliError('error: please run as root user (CNI requirement), we recommend running with `sudo -E`');
  if (mode === 'kvm' || !existsSync('/dev/kvm')) {
    io.out('error opening /dev/kvm, please make sure KVM support is enabled in Linux kernel: open /dev/kvm: no such file or directory');
    io.out('running without KVM');
  }
  if (mode === 'qemu') throw new CliError(`QEMU executable (qemu-system-${process.arch === 'arm64' ? 'aarch64' : 'x86_64'} or qemu-kvm) not found, please install QEMU with package manager`);
}

/** Writes the provisioner state (yaml.v3 lowercases Go field names) and returns the running cluster. */
function weftStateOrFail(home, nodes, net) {
  const server = JSON.parse(readFileSync(join(home, 'cluster', 'state.json'), 'utf8')).server;
  const state = {
    provisionername: 'qemu',
    bridgename: `talos${randomBytes(4).toString('hex')}`,
    clusterinfo: {
      clustername: net.name,
      network: { name: net.name, cidrs: [net.cidr], gatewayaddrs: [net.gateway], mtu: net.mtu },
      nodes: nodes.map((n) => ({ name: n.name, type: n.type, ips: [n.ip], nanocpus: Math.round(Number(n.cpus) * 1e9), memory: n.memory * 2 ** 20, disksize: net.disk * 2 ** 20 })),
      kubernetesendpoint: server,
    },
  };
  writeFileSync(join(home, 'state.yaml'), toYaml(state));
  const cp = weftState(home);
  if (!cp) throw new CliError(`error launching VMs (fake: the control plane in ${home}/cluster is not running)`);
  return cp;
}

function summary(cp, name, flags) {
  const info = parse(readFileSync(join(cp.dir, '..', 'state.yaml'), 'utf8')).clusterinfo;
  const head = tabwrite([
    ['PROVISIONER', 'qemu'],
    ['NAME', name],
    ['NETWORK NAME', name],
    ['NETWORK CIDR', flags.cidr],
    ['NETWORK GATEWAY', info.network.gatewayaddrs[0]],
    ['NETWORK MTU', String(flags.mtu)],
    ['KUBERNETES ENDPOINT', info.kubernetesendpoint],
  ]);
  const rows = [['NAME', 'TYPE', 'IP', 'CPU', 'RAM', 'DISK'], ...info.nodes.map((n) => [n.name, n.type, n.ips.join(','), (n.nanocpus / 1e9).toFixed(2), humanBytes(n.memory), humanBytes(n.disksize)])];
  return `${head}\n\nNODES:\n\n${tabwrite(rows)}`;
}

/** `talosctl cluster destroy`: stops the cluster and removes its state directory. */
export function clusterDestroy({ flags }, io) {
  checkProvisioner(flags.provisioner);
  const home = resolve(flags.state, flags.name);
  if (!existsSync(home)) throw new CliError(`cluster "${flags.name}" not found: stat ${home}: no such file or directory`);
  const stateFile = join(home, 'state.yaml');
  if (!existsSync(stateFile)) throw new CliError(`open ${stateFile}: no such file or directory`);
  const provisioner = parse(readFileSync(stateFile, 'utf8')).provisionername;
  if (provisioner !== 'qemu') throw new CliError(`cluster "${flags.name}" was created with different provisioner "${provisioner}"`);
  io.err('stopping VMs');
  const down = weft('cluster', 'down', '--home', home);
  if (down.status !== 0) throw new CliError(`error stopping VMs (fake: \`weft cluster down\` failed): ${(down.stderr || down.stdout).trim()}`);
  if (failMode()) {
    io.err('removing dhcpd');
    if (flags.force) rmSync(home, { recursive: true, force: true });
    throw new CliError(`error stopping dhcpd: failed to stop dhcpd (pid file ${join(home, 'dhcpd.pid')}): operation not permitted`);
  }
  for (const step of ['removing dhcpd', 'removing image cache', 'removing virtiofsd', 'removing dnsd', 'removing load balancer', 'removing kms', 'removing bgp', 'removing NFS server', 'removing lldp', 'removing network', 'removing siderolink agent', 'removing state directory', 'removing json logs']) io.err(step);
  rmSync(home, { recursive: true, force: true });
}
