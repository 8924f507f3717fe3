// The commands that talk to a running cluster through a talosconfig: `kubeconfig` and `health`.
// Real talosctl dials apid (port 50000) on the talosconfig's endpoints; the fake finds the fake
// cluster the talosconfig's CA belongs to and treats every other cluster as unreachable.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { CliError, parseGoDuration } from './cli.mjs';
import { defaultTalosconfigPath, readTalosconfig, toYaml } from './config.mjs';
import { failMode } from './fail.mjs';
import { apiReady, etcdHealthy, weftState } from './probe.mjs';
import { clusterHomeOfCA } from './secrets.mjs';

const unavailable = (endpoint) => {
  const hostPort = /:\d+$/.test(endpoint) && !/^[0-9a-f:]+$/i.test(endpoint) ? endpoint : `${endpoint}:50000`;
  return `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${hostPort}: connect: connection refused"`;
};
const expiredClientCert = 'rpc error: code = Unavailable desc = connection error: desc = "error reading server preface: remote error: tls: expired certificate"';

/** Resolves talosconfig, context, endpoints and nodes like talosctl's client factory, and finds the fake cluster. */
export function connect(flags) {
  const path = flags.talosconfig || defaultTalosconfigPath();
  const cfg = readTalosconfig(path) ?? { context: '', contexts: {} };
  const name = flags.context || cfg.context;
  const ctx = name ? cfg.contexts?.[name] : undefined;
  if (name && !ctx) throw new CliError(`error constructing client: failed to resolve configuration context: context "${name}" is not defined in 'contexts' key in config`);
  const endpoints = flags.endpoints.length ? flags.endpoints : (ctx?.endpoints ?? []);
  if (!endpoints.length) throw new CliError('error constructing client: failed to determine endpoints');
  const nodes = flags.nodes.length ? flags.nodes : (ctx?.nodes ?? []);
  const home = ctx?.ca ? clusterHomeOfCA(ctx.ca) : undefined;
  const cp = home ? weftState(home) : undefined;
  return { endpoints, nodes, home, cp, crt: ctx?.crt };
}

/** Throws what talosctl prints when apid cannot be reached or refuses the client certificate. */
function requireCluster(c, prefix = '') {
  const mode = failMode();
  if (mode === 'expired' || certExpired(c.crt)) throw new CliError(prefix + expiredClientCert);
  if (mode === 'unreachable' || !c.cp) throw new CliError(prefix + unavailable(c.endpoints[0]));
}

function certExpired(crtB64) {
  try {
    return new Date(new X509Certificate(Buffer.from(crtB64, 'base64')).validTo) < new Date();
  } catch {
    return false;
  }
}

/** The cluster's admin kubeconfig with Talos's names: cluster NAME, user and context admin@NAME. */
function talosKubeconfig(home, clusterName) {
  const kc = parse(readFileSync(join(home, 'cluster', 'kubeconfig'), 'utf8'));
  const user = `admin@${clusterName}`;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: kc.clusters[0].cluster }],
    users: [{ name: user, user: kc.users[0].user }],
    contexts: [{ context: { cluster: clusterName, namespace: 'default', user }, name: user }],
    'current-context': user,
  };
}

/** Merges like go-kubeconfig: a clash is overwritten with --force, else renamed NAME-1… (printed on stdout). */
function mergeKubeconfig(current, incoming, { force, contextName }, out) {
  const kinds = [['clusters', 'cluster'], ['users', 'auth info'], ['contexts', 'context']];
  const renamed = { clusters: {}, users: {} };
  if (contextName) incoming.contexts[0].name = contextName;
  for (const [key, label] of kinds) {
    current[key] ??= [];
    for (const item of incoming[key]) {
      if (key === 'contexts') {
        item.context.cluster = renamed.clusters[item.context.cluster] ?? item.context.cluster;
        item.context.user = renamed.users[item.context.user] ?? item.context.user;
      }
      const at = current[key].findIndex((c) => c.name === item.name);
      if (at >= 0 && force) {
        current[key][at] = item;
        continue;
      }
      if (at >= 0) {
        let n = 1;
        while (current[key].some((c) => c.name === `${item.name}-${n}`)) n++;
        out(`renamed ${label} "${item.name}" -> "${item.name}-${n}"`);
        if (renamed[key]) renamed[key][item.name] = `${item.name}-${n}`;
        item.name = `${item.name}-${n}`;
      }
      current[key].push(item);
    }
  }
  current['current-context'] = incoming.contexts[0].name;
  return current;
}

/** Writes or merges a cluster's kubeconfig at `path` (shared by `kubeconfig` and `cluster create`). */
export function writeKubeconfig(path, home, clusterName, { merge, force, contextName }, out) {
  const incoming = talosKubeconfig(home, clusterName);
  if (merge && existsSync(path)) {
    const current = parse(readFileSync(path, 'utf8')) ?? {};
    writeFileSync(path, toYaml(mergeKubeconfig(current, incoming, { force, contextName }, out)), { mode: 0o600 });
    return;
  }
  if (contextName) incoming.contexts[0].name = incoming['current-context'] = contextName;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, toYaml(incoming), { mode: 0o600 });
}

/** `talosctl kubeconfig [local-path]`. */
export function kubeconfig({ positional, flags }, io) {
  const c = connect(flags);
  if (c.nodes.length > 1) throw new CliError('command "kubeconfig" is not supported with multiple nodes');
  if (!c.nodes.length) throw new CliError('nodes are not set for the command: please use `--nodes` flag or configuration file to set the nodes to run the command against');
  let path = positional[0] ?? (flags.merge ? process.env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config') : process.cwd());
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'kubeconfig');
  let merge = flags.merge;
  if (existsSync(path) && !(flags.force || merge)) throw new CliError(`kubeconfig file already exists, use --force to overwrite: "${path}"`);
  if (!existsSync(path)) merge = false;
  requireCluster(c, 'error copying: ');
  writeKubeconfig(path, c.home, c.cp.clusterName, { merge, force: flags.force, contextName: flags['force-context-name'] }, io.out);
}

/** The checks of `talosctl health` (pkg/cluster/check), and what the fake can really verify for each. */
const CHECKS = [
  ['etcd to be healthy', 'etcd'],
  ['etcd members to be consistent across nodes', 'etcd'],
  ['etcd members to be control plane nodes', 'etcd'],
  ['apid to be ready', 'ok'],
  ['all nodes memory sizes', 'ok'],
  ['all nodes disk sizes', 'ok'],
  ['no diagnostics', 'ok'],
  ['kubelet to be healthy', 'ok'],
  ['all nodes to finish boot sequence', 'ok'],
  ['all k8s nodes to report', 'api'],
  ['all control plane static pods to be running', 'api'],
  ['all control plane components to be ready', 'api'],
  ['all k8s nodes to report ready', 'api'],
  ['kube-proxy to report ready', 'skip'],
  ['coredns to report ready', 'skip'],
  ['all k8s nodes to report schedulable', 'api'],
];

async function assess(kind, cp, node) {
  if (kind === 'skip') return 'SKIP';
  if (kind === 'ok') return 'OK';
  if (kind === 'etcd') return (await etcdHealthy(cp)) ? 'OK' : `${node}: service is not healthy: etcd`;
  const r = await apiReady(cp);
  return r === true ? 'OK' : r;
}

/**
 * Runs the cluster checks in order, printing `waiting for CHECK: STATE` whenever a state changes
 * (on stderr, as talosctl's non-TTY reporter does); polls a failing check until `timeoutMs`.
 */
export async function runChecks(cp, node, timeoutMs, err) {
  const deadline = Date.now() + timeoutMs;
  const failCheck = failMode() === 'timeout' ? 'all control plane components to be ready' : undefined;
  for (const [name, kind] of CHECKS) {
    err(`waiting for ${name}: ...`);
    let last = '...';
    for (;;) {
      const state = name === failCheck ? `Get "${cp.server}/api/v1/namespaces/kube-system/pods": context deadline exceeded` : await assess(kind, cp, node);
      if (state !== last) err(`waiting for ${name}: ${state}`);
      last = state;
      if (state === 'OK' || state === 'SKIP') break;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, deadline - Date.now()))));
    }
  }
  return true;
}

/** `talosctl health` (server-side, the default): all output on stderr, exit 1 on failure. */
export async function health({ flags }, io) {
  const c = connect(flags);
  requireCluster(c);
  const cpNodes = flags['control-plane-nodes'].length ? flags['control-plane-nodes'] : c.cp.nodes.filter((n) => n.type === 'controlplane').map((n) => n.ip);
  if (!flags['control-plane-nodes'].length) io.err(`discovered nodes: [${c.cp.nodes.map((n) => `"${n.ip}"`).join(' ')}]`);
  const ok = await runChecks(c.cp, cpNodes[0] ?? c.endpoints[0], parseGoDuration(flags['wait-timeout']), io.err);
  if (!ok) throw new CliError('healthcheck error: context deadline exceeded');
}
