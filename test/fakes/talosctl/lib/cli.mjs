// Cobra/pflag-like command line handling for the fake talosctl: the command tree, flag parsing and
// the exact error texts talosctl prints (talosctl silences cobra's own printing and writes
// `err.Error()` to stderr, then the usage for errors mentioning "arg(s)", "flag" or "command"; exit 1).
import { homedir } from 'node:os';
import { join } from 'node:path';

const str = (name, usage, def = '', short) => ({ name, short, type: 'string', def, usage });
const bool = (name, usage, def = false, short) => ({ name, short, type: 'bool', def, usage });
const int = (name, usage, def = 0) => ({ name, type: 'int', def, usage });
const dur = (name, usage, def) => ({ name, type: 'duration', def, usage });
const slice = (name, usage, short) => ({ name, short, type: 'stringSlice', def: [], usage });
const array = (name, usage) => ({ name, type: 'stringArray', def: [], usage });

export const GLOBAL_FLAGS = [
  str('talosconfig', "The path to the Talos configuration file. Defaults to 'TALOSCONFIG' env variable if set, otherwise '$HOME/.talos/config' and '/var/run/secrets/talos.dev/config' in order."),
  str('context', 'Context to be used in command'),
  slice('nodes', 'target the specified nodes', 'n'),
  slice('endpoints', 'override default endpoints in Talos configuration', 'e'),
  str('cluster', 'Cluster to connect to if a proxy endpoint is used.'),
  bool('help', 'help for this command', false, 'h'),
];

const CLUSTER_FLAGS = [
  str('provisioner', 'Talos cluster provisioner to use', 'docker'),
  str('state', 'directory path to store cluster state', join(homedir(), '.talos', 'clusters')),
  str('name', 'the name of the cluster', 'talos-default'),
];

/** The commands the fake implements, with the flags real talosctl v1.13 gives them (a subset for `cluster create`). */
export const COMMANDS = {
  version: { use: 'version', args: [0, 0], flags: [bool('client', 'Print client version only'), bool('short', 'Print the short version'), bool('insecure', 'use Talos maintenance mode API')] },
  gen: {
    use: 'gen',
    persistent: [bool('force', 'will overwrite existing files', false, 'f')],
    children: {
      config: {
        use: 'config <cluster name> <cluster endpoint>',
        args: [2, 2],
        flags: [
          str('output', 'destination to output generated files. when multiple output types are specified, it must be a directory. for a single output type, it must either be a file path, or "-" for stdout', '', 'o'),
          str('output-dir', 'destination to output generated files'),
          slice('output-types', 'types of outputs to be generated. valid types are: ["controlplane" "worker" "talosconfig"]', 't'),
          str('kubernetes-version', 'desired kubernetes version to run'),
          str('talos-version', 'the desired Talos version to generate config for (backwards compatibility, e.g. v0.8)'),
          str('install-disk', 'the disk to install to', '/dev/sda'),
          str('install-image', 'the image used to perform an installation'),
          slice('additional-sans', 'additional Subject-Alt-Names for the APIServer certificate'),
          str('dns-domain', 'the dns domain to use for cluster', 'cluster.local'),
          array('config-patch', 'patch generated machineconfigs (applied to all node types), use @file to read a patch from file'),
          array('config-patch-control-plane', "patch generated machineconfigs (applied to 'init' and 'controlplane' types)"),
          array('config-patch-worker', "patch generated machineconfigs (applied to 'worker' type)"),
          bool('with-docs', 'renders all machine configs adding the documentation for each field', true),
          bool('with-examples', 'renders all machine configs with the commented examples', true),
          bool('with-cluster-discovery', 'enable cluster discovery feature', true),
          bool('with-kubespan', 'enable KubeSpan feature'),
          str('with-secrets', "use a secrets file generated using 'gen secrets'"),
        ],
      },
    },
  },
  cluster: {
    use: 'cluster',
    persistent: CLUSTER_FLAGS,
    children: {
      create: {
        use: 'create',
        args: [0, 0],
        children: { qemu: { use: 'qemu', args: [0, 0], unsupported: true }, docker: { use: 'docker', args: [0, 0], unsupported: true } },
        flags: [
          str('talosconfig', "The location to save the generated Talos configuration file to. Defaults to 'TALOSCONFIG' env variable if set, otherwise '$HOME/.talos/config' and '/var/run/secrets/talos.dev/config' in order."),
          int('workers', 'the number of workers to create', 1),
          int('controlplanes', 'the number of controlplanes to create', 1),
          str('cpus', 'the share of CPUs as fraction (each control plane/VM)', '2.0'),
          str('cpus-workers', 'the share of CPUs as fraction (each worker/VM)', '2.0'),
          int('memory', 'the limit on memory usage in MB (each control plane/VM)', 2048),
          int('memory-workers', 'the limit on memory usage in MB (each worker/VM)', 2048),
          int('disk', 'default limit on disk size in MB (each VM)', 6144),
          str('cidr', 'CIDR of the cluster network (IPv4, ULA network for IPv6 is derived in automated way)', '10.5.0.0/24'),
          int('mtu', 'MTU of the cluster network', 1500),
          str('kubernetes-version', 'desired kubernetes version to run'),
          str('talos-version', 'the desired Talos version to generate config for'),
          bool('wait', 'wait for the cluster to be ready before returning', true),
          dur('wait-timeout', 'timeout to wait for the cluster to be ready', '20m0s'),
          bool('skip-kubeconfig', 'skip merging kubeconfig from the created cluster'),
          array('config-patch', 'patch generated machineconfigs (applied to all node types), use @file to read a patch from file'),
          array('config-patch-control-plane', "patch generated machineconfigs (applied to 'controlplane' type)"),
          array('config-patch-worker', "patch generated machineconfigs (applied to 'worker' type)"),
          slice('registry-mirror', 'list of registry mirrors to use in format: <registry host>=<mirror URL>'),
          str('install-image', 'the installer image to use'),
          str('iso-path', 'the ISO path to use for the initial boot'),
          str('vmlinuz-path', 'the compressed kernel image to use'),
          str('initrd-path', 'initramfs image to use'),
          str('disk-image-path', 'disk image to use'),
          int('control-plane-port', 'control plane port (load balancer and local API port)', 6443),
          bool('with-debug', 'enable debug in Talos config to send service logs to the console'),
          bool('with-uefi', 'enable UEFI on x86_64 architecture', true),
          bool('with-kubespan', 'enable KubeSpan system'),
          str('arch', 'cluster architecture', 'amd64'),
        ],
      },
      destroy: {
        use: 'destroy',
        args: [0, 0],
        flags: [
          bool('force', 'force deletion of cluster directory if there were errors', false, 'f'),
          str('save-support-archive-path', 'save support archive to the specified file on destroy'),
          str('save-cluster-logs-archive-path', 'save cluster logs archive to the specified file on destroy'),
        ],
      },
    },
  },
  kubeconfig: {
    use: 'kubeconfig [local-path]',
    args: [0, 1],
    flags: [
      bool('force', 'Force overwrite of kubeconfig if already present, force overwrite on kubeconfig merge', false, 'f'),
      str('force-context-name', 'Force context name for kubeconfig merge'),
      bool('merge', 'Merge with existing kubeconfig', true, 'm'),
    ],
  },
  health: {
    use: 'health',
    args: [0, 0],
    flags: [
      str('init-node', 'specify IPs of init node'),
      slice('control-plane-nodes', 'specify IPs of control plane nodes'),
      slice('worker-nodes', 'specify IPs of worker nodes'),
      dur('wait-timeout', 'timeout to wait for the cluster to be ready', '20m0s'),
      str('k8s-endpoint', 'use endpoint instead of kubeconfig default'),
      bool('server', 'run server-side check', true),
      bool('run-e2e', 'run Kubernetes e2e test'),
    ],
  },
};

/** A command-line error: talosctl prints it, then the usage when it is about args, flags or commands. */
export class CliError extends Error {
  constructor(message, path = [], exitCode = 1) {
    super(message);
    this.path = path;
    this.exitCode = exitCode;
  }
}

/** Go's time.ParseDuration for the units talosctl users write (h, m, s, ms); returns milliseconds. */
export function parseGoDuration(text) {
  const units = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/gy;
  let total = 0;
  let m;
  let consumed = 0;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * units[m[2]];
    consumed = re.lastIndex;
  }
  if (!text || consumed !== text.length) return undefined;
  return total;
}

function flagsFor(path) {
  const specs = [...GLOBAL_FLAGS];
  let node = { children: COMMANDS };
  for (const word of path) {
    node = node.children[word];
    specs.push(...(node.persistent ?? []));
  }
  // A command's own flag shadows an inherited one of the same name (cluster create --talosconfig).
  const own = node.flags ?? [];
  return [...specs.filter((s) => !own.some((o) => o.name === s.name)), ...own];
}

function convert(spec, raw, shown) {
  const bad = (why) => new CliError(`invalid argument "${raw}" for "${shown}" flag: ${why}`);
  switch (spec.type) {
    case 'bool':
      if (!['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False'].includes(raw)) throw bad(`strconv.ParseBool: parsing "${raw}": invalid syntax`);
      return ['true', '1', 't', 'TRUE', 'True'].includes(raw);
    case 'int':
      if (!/^-?\d+$/.test(raw)) throw bad(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
      return Number(raw);
    case 'duration':
      if (parseGoDuration(raw) === undefined) throw bad(`time: invalid duration "${raw}"`);
      return raw;
    default:
      return raw;
  }
}

/**
 * Parses argv like cobra: the command path (flags may come before, between or after the words),
 * positional args, and flags with defaults. Throws CliError with talosctl's message on bad input.
 */
export function parseArgs(argv) {
  const path = [];
  const positional = [];
  const raw = [];
  let node = { children: COMMANDS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const long = a.startsWith('--');
      const [key, inline] = a.replace(/^--?/, '').split(/=(.*)/s);
      const spec = flagsFor(path).find((s) => (long ? s.name === key : s.short === key));
      let value = inline;
      if (value === undefined && spec && spec.type !== 'bool') {
        if (i + 1 >= argv.length) throw new CliError(long ? `flag needs an argument: --${key}` : `flag needs an argument: '${key}' in -${key}`, path);
        value = argv[++i];
      }
      raw.push({ token: a, key, long, value });
      continue;
    }
    if (node.children?.[a] && positional.length === 0) {
      path.push(a);
      node = node.children[a];
      continue;
    }
    if (path.length === 0) {
      const near = Object.keys(COMMANDS).filter((c) => levenshtein(c, a) <= 2);
      throw new CliError(`unknown command "${a}" for "talosctl"${near.length ? `\n\nDid you mean this?\n\t${near.join('\n\t')}\n` : ''}`, path);
    }
    positional.push(a);
  }
  return { path, node, positional, flags: resolveFlags(path, raw) };
}

function resolveFlags(path, raw) {
  const specs = flagsFor(path);
  const flags = Object.fromEntries(specs.map((s) => [s.name, Array.isArray(s.def) ? [...s.def] : s.def]));
  const set = new Set();
  for (const r of raw) {
    const spec = specs.find((s) => (r.long ? s.name === r.key : s.short === r.key));
    if (!spec) throw new CliError(r.long ? `unknown flag: --${r.key}` : `unknown shorthand flag: '${r.key[0]}' in ${r.token.split('=')[0]}`, path);
    const shown = r.long ? `--${spec.name}` : `-${spec.short}, --${spec.name}`;
    const value = convert(spec, r.value ?? 'true', shown);
    if (spec.type === 'stringSlice') flags[spec.name] = [...(set.has(spec.name) ? flags[spec.name] : []), ...String(value).split(',').filter(Boolean)];
    else if (spec.type === 'stringArray') flags[spec.name] = [...(set.has(spec.name) ? flags[spec.name] : []), value];
    else flags[spec.name] = value;
    set.add(spec.name);
  }
  flags.changed = set;
  return flags;
}

/** Cobra's positional-argument checks, with its messages. */
export function checkArgs(path, node, positional) {
  if (!node.args) return;
  const [min, max] = node.args;
  const cmdPath = ['talosctl', ...path].join(' ');
  if (min === 0 && max === 0 && positional.length) throw new CliError(`unknown command "${positional[0]}" for "${cmdPath}"`, path);
  if (min === max && positional.length !== min) throw new CliError(`accepts ${min} arg(s), received ${positional.length}`, path);
  if (positional.length > max) throw new CliError(`accepts at most ${max} arg(s), received ${positional.length}`, path);
}

/** An approximation of cobra's usage text for a command (flag descriptions from talosctl). */
export function usage(path) {
  let node = { children: COMMANDS };
  for (const w of path) node = node.children[w];
  const name = ['talosctl', ...path.slice(0, -1), node.use ?? '[command]'].join(' ');
  const typeName = { string: ' string', int: ' int', duration: ' duration', stringSlice: ' strings', stringArray: ' stringArray', bool: '' };
  const left = (s) => `  ${s.short ? `-${s.short}, ` : '    '}--${s.name}${typeName[s.type]}`;
  const block = (specs) => {
    const width = Math.max(...specs.map((s) => left(s).length));
    return specs.map((s) => `${left(s).padEnd(width + 3)}${s.usage}`);
  };
  const own = path.length ? [...(node.persistent ?? []), ...(node.flags ?? [])] : [];
  const inherited = flagsFor(path).filter((s) => !own.includes(s));
  const children = Object.keys(node.children ?? {});
  return [
    'Usage:',
    `  ${name}${children.length && !node.flags ? '' : ' [flags]'}`,
    ...(children.length ? ['', 'Available Commands:', ...children.map((c) => `  ${c}`)] : []),
    ...(own.length ? ['', 'Flags:', ...block(own)] : []),
    '',
    path.length ? 'Global Flags:' : 'Flags:',
    ...block(inherited),
    '',
  ].join('\n');
}

function levenshtein(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}
