// FAKE_TALOSCTL_FAIL=<command>[:<mode>] makes one command fail the way the real talosctl fails,
// e.g. `health`, `health:timeout`, `cluster create:qemu`, `kubeconfig:expired`. See ../README.md.
const DEFAULT_MODE = {
  version: 'exec-format',
  'gen config': 'exists',
  'cluster create': 'qemu',
  'cluster destroy': 'dhcpd',
  kubeconfig: 'unreachable',
  health: 'unreachable',
};

let command = '';

/** Records the command being run (its words, e.g. "cluster create"). */
export function setCommand(path) {
  command = path.join(' ');
}

/** The failure mode injected into the current command, or undefined when it should succeed. */
export function failMode(env = process.env) {
  const spec = env.FAKE_TALOSCTL_FAIL;
  if (!spec) return undefined;
  const [target, mode] = spec.split(':');
  if (target.trim() !== command) return undefined;
  return mode?.trim() || DEFAULT_MODE[command] || 'unreachable';
}
