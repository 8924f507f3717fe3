// Fake talosctl v1.13.9 — see README.md. Dispatches the commands Weft runs; prints errors the way
// talosctl does: `err.Error()` on stderr (no "Error:" prefix), then cobra's usage when the message
// mentions "arg(s)", "flag" or "command", and exit code 1.
import { CliError, checkArgs, parseArgs, usage } from './lib/cli.mjs';
import { clusterCreate, clusterDestroy } from './lib/cluster.mjs';
import { connect, health, kubeconfig } from './lib/client.mjs';
import { genConfig } from './lib/config.mjs';
import { failMode, setCommand } from './lib/fail.mjs';
import { shortVersion, versionBlock } from './lib/version.mjs';

const io = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

function version({ flags }) {
  process.stdout.write(`Client:\n${flags.short ? shortVersion() : versionBlock()}`);
  if (flags.client) return;
  io.out('Server:');
  const c = connect(flags);
  if (!c.cp) throw new CliError(`error getting version from node ${c.nodes[0] ?? c.endpoints[0]}: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${c.endpoints[0]}:50000: connect: connection refused"`);
  process.stdout.write(`\tNODE:        ${c.nodes[0] ?? c.endpoints[0]}\n${versionBlock()}\tEnabled:     RBAC\n`);
}

const HANDLERS = {
  version,
  'gen config': genConfig,
  'cluster create': clusterCreate,
  'cluster destroy': clusterDestroy,
  kubeconfig,
  health,
};

async function main(argv) {
  let path = [];
  try {
    const parsed = parseArgs(argv);
    path = parsed.path;
    setCommand(path);
    const { node, positional, flags } = parsed;
    if (flags.help || (node.children && !node.args)) {
      process.stdout.write(usage(path));
      return 0;
    }
    if (node.unsupported) {
      io.err(`fake talosctl: \`talosctl ${path.join(' ')}\` is not reproduced by this fake; use \`talosctl cluster create --provisioner qemu\` (test/fakes/talosctl/README.md)`);
      return 2;
    }
    checkArgs(path, node, positional);
    if (path.join(' ') === 'version' && failMode()) {
      io.err(`${process.env.FAKE_TALOSCTL_ARGV0 ?? process.argv[1]}: cannot execute binary file: Exec format error`);
      return 126;
    }
    await HANDLERS[path.join(' ')](parsed, io);
    return 0;
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    io.err(err.message);
    if (/arg\(s\)|flag|command/.test(err.message)) io.err(`\n${usage(err.path.length ? err.path : path)}`);
    return err.exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
