// `gen config` and talosconfig files: machine configs in the v1alpha1 shape (minimal but with the
// real keys and secret formats), talosconfig as talosctl writes it (yaml.v3 style, 4-space indent).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError } from './cli.mjs';
import { failMode } from './fail.mjs';
import { createCA, issueAdmin, secret32, token } from './secrets.mjs';
import { DEFAULT_K8S_VERSION, TALOS_TAG } from './version.mjs';

export const toYaml = (obj) => stringify(obj, { indent: 4, lineWidth: 0 });

/** Generates the secrets of one cluster: the OS CA (talosconfig's), Kubernetes, aggregator and etcd CAs. */
export async function genSecrets(clusterName, osCaUri) {
  const [os, k8s, aggregator, etcd, sa] = await Promise.all([
    createCA('talos', { uri: osCaUri }),
    createCA('kubernetes'),
    createCA(''),
    createCA('etcd'),
    createCA('service-account'),
  ]);
  return { clusterName, os, k8s, aggregator, etcd, sa, admin: await issueAdmin(os), machineToken: token(), clusterToken: token(), id: secret32(), secret: secret32(), secretbox: secret32() };
}

/** A v1alpha1 machine config for `type` ("controlplane" | "worker"). */
export function machineConfig(type, s, { endpoint, kubernetesVersion = DEFAULT_K8S_VERSION, installDisk = '/dev/sda', sans = [], dnsDomain = 'cluster.local' }) {
  const k8s = kubernetesVersion.replace(/^v?/, 'v');
  const cp = type === 'controlplane';
  const host = new URL(endpoint).hostname;
  return {
    version: 'v1alpha1',
    debug: false,
    persist: true,
    machine: {
      type,
      token: s.machineToken,
      ca: { crt: s.os.crt, key: cp ? s.os.key : '' },
      certSANs: [],
      kubelet: { image: `ghcr.io/siderolabs/kubelet:${k8s}`, defaultRuntimeSeccompProfileEnabled: true, disableManifestsDirectory: true },
      network: {},
      install: { disk: installDisk, image: `ghcr.io/siderolabs/installer:${TALOS_TAG}`, wipe: false },
      features: { rbac: true, stableHostname: true, apidCheckExtKeyUsage: true, diskQuotaSupport: true, kubePrism: { enabled: true, port: 7445 }, hostDNS: { enabled: true, forwardKubeDNSToHost: true } },
      nodeLabels: cp ? { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : undefined,
    },
    cluster: {
      id: s.id,
      secret: s.secret,
      controlPlane: { endpoint },
      clusterName: s.clusterName,
      network: { dnsDomain, podSubnets: ['10.244.0.0/16'], serviceSubnets: ['10.96.0.0/12'] },
      token: s.clusterToken,
      ...(cp ? { secretboxEncryptionSecret: s.secretbox } : {}),
      ca: { crt: s.k8s.crt, key: cp ? s.k8s.key : '' },
      ...(cp
        ? {
            aggregatorCA: { crt: s.aggregator.crt, key: s.aggregator.key },
            serviceAccount: { key: s.sa.key },
            apiServer: { image: `registry.k8s.io/kube-apiserver:${k8s}`, certSANs: [...new Set([host, ...sans])], disablePodSecurityPolicy: true },
            controllerManager: { image: `registry.k8s.io/kube-controller-manager:${k8s}` },
            proxy: { image: `registry.k8s.io/kube-proxy:${k8s}` },
            scheduler: { image: `registry.k8s.io/kube-scheduler:${k8s}` },
            discovery: { enabled: true, registries: { kubernetes: { disabled: true }, service: {} } },
            etcd: { ca: { crt: s.etcd.crt, key: s.etcd.key } },
          }
        : { discovery: { enabled: true, registries: { kubernetes: { disabled: true }, service: {} } } }),
    },
  };
}

/** The talosconfig of a cluster (one context named after it). */
export const talosconfigOf = (s, endpoints = [], nodes) => ({
  context: s.clusterName,
  contexts: { [s.clusterName]: { endpoints, ...(nodes?.length ? { nodes } : {}), ca: s.os.crt, crt: s.admin.crt, key: s.admin.key } },
});

/** talosctl's default talosconfig path: $TALOSCONFIG, else ~/.talos/config. */
export const defaultTalosconfigPath = () => process.env.TALOSCONFIG || join(homedir(), '.talos', 'config');

/** Reads a talosconfig; undefined when the file does not exist. */
export function readTalosconfig(path) {
  if (!existsSync(path)) return undefined;
  return parse(readFileSync(path, 'utf8')) ?? { context: '', contexts: {} };
}

/** Merges `cfg` into the talosconfig at `path` like talosctl (clashing contexts become NAME-1, NAME-2…). */
export function mergeTalosconfig(path, cfg, err) {
  const current = readTalosconfig(path) ?? { context: '', contexts: {} };
  current.contexts ??= {};
  const mapped = {};
  for (const [name, ctx] of Object.entries(cfg.contexts)) {
    let merged = name;
    for (let i = 1; current.contexts[merged]; i++) merged = `${name}-${i}`;
    if (merged !== name) err(`renamed talosconfig context "${name}" -> "${merged}"`);
    mapped[name] = merged;
    current.contexts[merged] = ctx;
  }
  if (cfg.context) current.context = mapped[cfg.context];
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, toYaml(current), { mode: 0o600 });
}

/** talosctl's validateClusterEndpoint, with its messages. */
function validateEndpoint(endpoint) {
  const fix = (host) => `https://${host.includes(':') && !host.startsWith('[') ? host : `${host}:6443`}`;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) {
    const hasPort = /:\d+$/.test(endpoint);
    throw new CliError(`no scheme ${hasPort ? '' : 'and port '}specified for the cluster endpoint URL\ntry: "${hasPort ? `https://${endpoint}` : fix(endpoint)}"`);
  }
  const u = new URL(endpoint);
  if (u.protocol !== 'https:') throw new CliError(`the control plane endpoint URL should have scheme https://\ntry: "https://${u.port ? u.host : `${u.hostname}:6443`}"`);
}

/** `talosctl gen config NAME ENDPOINT`: writes controlplane.yaml, worker.yaml and talosconfig. */
export async function genConfig({ positional: [name, endpoint], flags }, io) {
  validateEndpoint(endpoint);
  if (flags.output && flags['output-dir']) throw new CliError("can't use both output-dir and output");
  const types = flags.changed.has('output-types') ? flags['output-types'] : ['controlplane', 'worker', 'talosconfig'];
  const bad = types.filter((t) => !['controlplane', 'worker', 'talosconfig'].includes(t));
  if (bad.length) throw new CliError(bad.map((t) => `invalid output type: "${t}"`).join('\n'));
  const out = flags['output-dir'] || flags.output;
  const dir = out || process.cwd();
  const single = types.length === 1 && flags.output && !flags['output-dir'];
  const target = (file) => (single ? out : out ? join(out, file) : resolve(dir, file));
  const s = await genSecrets(name);
  const opts = { endpoint, kubernetesVersion: flags['kubernetes-version'] || undefined, installDisk: flags['install-disk'], sans: flags['additional-sans'], dnsDomain: flags['dns-domain'] };
  const files = { controlplane: ['controlplane.yaml', () => toYaml(machineConfig('controlplane', s, opts))], worker: ['worker.yaml', () => toYaml(machineConfig('worker', s, opts))], talosconfig: ['talosconfig', () => toYaml(talosconfigOf(s))] };
  for (const type of types) {
    const [file, render] = files[type];
    const path = target(file);
    if (failMode() === 'exists' || (!flags.force && existsSync(path))) throw new CliError(`file "${path}" already exists, use --force to overwrite`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, render(), { mode: 0o644 });
    io.err(`Created ${path}`);
  }
}
