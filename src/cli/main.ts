import { Command, CommanderError, Option } from 'commander';
import { FlagError } from '../config/errors.js';
import { parseOperatorConfig, type CommonFlags } from '../config/operator.js';
import { LOG_FORMATS, LOG_LEVELS, createLogger } from '../log.js';
import { versionInfo } from '../version.js';
import { toolVersions } from '../cluster/tools.js';
import { weftHome } from './home.js';
import { EXIT, processIO, untilSignal, type CliIO } from './io.js';
import type { AgentFlags } from './agent.js';
import { addMcpCommands } from './mcp.js';
import { addArtifactCommands } from './artifacts.js';
import { addSpeckitCommands } from './speckit.js';

// Commands other than `operator` are loaded when run: they pull in client-node's generated API
// clients, which the long-running operator does not need (see docs/runtime.md, Memory).
const clusterCli = () => import('./cluster.js');
const agentCli = () => import('./agent.js');

/** Adds the flags every long-running command shares (see docs/cli.md). */
function withCommonFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, else in-cluster, else ~/.kube/config)')
    .option('--http-addr <addr>', 'address of the HTTP API, health, metrics and dashboard', ':8080')
    .option('--webhook-addr <addr>', 'address of the admission webhook server (TLS)', ':9443')
    .option('--webhooks', 'serve the admission webhooks (implied by --webhook-url and --webhook-service)')
    .option('--webhook-url <url>', 'register the webhooks with this https URL (auto: the webhook server\'s own address, for a local apiserver)')
    .option('--webhook-service <name>', "register the webhooks with this Service in the operator's namespace (in-cluster)")
    .option('--webhook-config-name <name>', 'name of the Validating/MutatingWebhookConfiguration (default: weft; with --shard: weft-shard-<id>)')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--log-format <format>', 'log format').choices(LOG_FORMATS).default('json'))
    .option('--feature-gates <gates>', 'feature gates, e.g. AgentTasks=true,Jobs=false (see docs/feature-gates.md)', '')
    .option('--namespace <ns>', "the operator's namespace (default: $POD_NAMESPACE, else in-cluster, else weft-system)")
    .option('--no-leader-elect', 'do not take part in leader election (a single replica that always reconciles)')
    .addOption(new Option('--mesh <mode>', 'tailnet: discovery onto MeshNodes and ACL-checked writes').choices(['none', 'stub', 'headscale']).default('none'))
    .option('--mesh-config <path>', "headscale: headscale's config.yaml; stub: a YAML file with devices and policy")
    .option('--mesh-policy <path>', 'headscale: the HuJSON ACL policy file it runs with (reloaded on change)')
    .option('--mesh-self <name>', "the operator's own tailnet device name", 'weft-operator')
    .option('--http-tls', 'serve the HTTP API over TLS with a certificate from the operator CA (Secret weft-ca), asking clients for theirs (mTLS)')
    .option('--shard <selector>', "reconcile and admit only the Weft objects whose labels match, e.g. 'weft.dev/canary=true' (canary rollouts, docs/deploy.md)")
    .option('--controllers <list>', 'controllers to run: * for all, or names (meshnode, orgcluster, workload, agenttask, job), -name to leave one out', '*')
    .option('--agent-image <ref>', 'default image of AgentTask pods (spec.agent.image overrides)', 'localhost/weft-agent:dev')
    .option('--agent-gateway-url <url>', "the operator's URL as agent pods reach it (LLM and git gateway) (default: http://weft-operator.<namespace>.svc:8080)")
    .option('--artifact-store <ns/name>', 'the default artifact store Secret (S3 or filesystem; docs/artifacts.md): Jobs without spec.artifacts.store and the run history use it')
    .option('--agent-transcript-dir <dir>', 'write LLM transcripts of AgentTasks here (JSONL, secrets redacted)')
    .option('--radicle-home <dir>', "RAD_HOME of the operator's Radicle identity (key passphrase in $RAD_PASSPHRASE): AgentTasks on rad:z… repositories push and open patches with it (default: $WEFT_RADICLE_HOME)")
    .option('--otlp-endpoint <url>', 'export OpenTelemetry traces (reconcile and webhook spans) over OTLP/HTTP to this collector, e.g. http://otel-collector:4318 (default: $OTEL_EXPORTER_OTLP_ENDPOINT; off when unset; docs/observability.md)');
}

function buildProgram(io: CliIO, setResult: (p: Promise<number>) => void): Command {
  const program = new Command('weft')
    .description('Weft: pool machines into one resource mesh and run coding agents and jobs on it.')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  const run = (fn: () => Promise<number>) => () => setResult(fn());

  program
    .command('version')
    .description('print the weft version and the pinned component versions')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((o: { output: string }) =>
      setResult(
        (async () => {
          const info = { ...versionInfo(), components: toolVersions() };
          io.out(o.output === 'json' ? `${JSON.stringify(info, null, 2)}\n` : `weft ${info.version} (node ${info.node}, kubernetes ${info.components.k8s}, etcd ${info.components.etcd}, kwok ${info.components.kwok})\n`);
          return EXIT.ok;
        })(),
      ),
    );

  const cluster = program.command('cluster').description('a local Kubernetes control plane (etcd + kube-apiserver) for development');
  const home = (o: { home?: string }) => weftHome(o.home);
  cluster
    .command('up')
    .description('start the local control plane in the background and wait until it is ready')
    .option('--home <dir>', 'state directory (default: $WEFT_HOME or ~/.weft)')
    .option('--real-node', 'also run a real node (kubelet + containerd + runc) with locally built images; needs root (docs/real-node.md)')
    .action((o: { home?: string; realNode?: boolean }) => run(async () => (await clusterCli()).clusterUp(home(o), io, undefined, { realNode: o.realNode === true }))());
  cluster
    .command('down')
    .description('stop the local control plane and every process it started')
    .option('--home <dir>', 'state directory (default: $WEFT_HOME or ~/.weft)')
    .action((o: { home?: string }) => run(async () => (await clusterCli()).clusterDown(home(o), io))());
  cluster
    .command('kubeconfig')
    .description("print the path of the local control plane's admin kubeconfig")
    .option('--home <dir>', 'state directory (default: $WEFT_HOME or ~/.weft)')
    .action((o: { home?: string }) => run(async () => (await clusterCli()).clusterKubeconfig(home(o), io))());
  cluster
    .command('serve', { hidden: true })
    .option('--home <dir>')
    .option('--real-node')
    .action((o: { home?: string; realNode?: boolean }) => run(async () => (await clusterCli()).clusterServe(home(o), io, { realNode: o.realNode === true }))());

  withCommonFlags(program.command('operator').description('run the operator against the current kubeconfig')).action(
    (o: CommonFlags) =>
      run(async () => {
        const cfg = parseOperatorConfig(o);
        const log = createLogger({ level: cfg.logLevel, format: cfg.logFormat });
        const op = await (await import('../operator/run.js')).runOperator(cfg, log);
        await untilSignal();
        await op.stop();
        return EXIT.ok;
      })(),
  );

  const agent = program.command('agent').description('the node daemon: reports this host as a MeshNode (capacity, heartbeat)');
  const agentFlags = (cmd: Command) =>
    cmd
      .option('--name <name>', 'MeshNode name of this host')
      .option('--org <org>', 'organisation that owns this host')
      .option('--tags <tags>', 'comma-separated tags, e.g. gpu:a100,zone:eu-1')
      .option('--kubeconfig <path>', 'credentials (from `weft agent provision`)');
  agentFlags(agent.command('run', { isDefault: true }).description('run the agent (default)'))
    .addOption(new Option('--mesh <mode>', 'tailnet integration').choices(['none', 'stub', 'headscale']).default('none'))
    .option('--storage-path <path>', 'filesystem whose size is reported as ephemeral storage', '/')
    .option('--login-server <url>', '--mesh=headscale: the Headscale URL')
    .option('--auth-key <key>', '--mesh=headscale: a pre-auth key (or $TS_AUTHKEY)')
    .option('--tailscale-socket <path>', "--mesh=headscale: tailscaled's socket (default: tailscale's)")
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--log-format <format>', 'log format').choices(LOG_FORMATS).default('json'))
    .action((o: AgentFlags) => run(async () => (await agentCli()).agentRun(o, io))());
  agentFlags(agent.command('provision').description("create a host's MeshNode, heartbeat Lease, RBAC and agent kubeconfig (run as an admin)"))
    .option('-o, --output <file>', 'write the agent kubeconfig here (default: stdout)')
    .action((o: AgentFlags) => run(async () => (await agentCli()).agentProvision(o, io))());
  agent
    .command('attach <task>')
    .description("open the code-server of AgentTask NS/NAME (spec.agent.codeServer) on a local port, through the operator's RBAC-checked attach route (verb attach on agenttasks)")
    .option('--port <port>', 'local port on 127.0.0.1 (0: a free one)', '0')
    .option('--operator-url <url>', "the operator's HTTP address (default: $WEFT_OPERATOR_URL, else http://127.0.0.1:8080)")
    .option('--kubeconfig <path>', 'whose bearer token to attach with (default: $KUBECONFIG, else ~/.kube/config)')
    .action((task: string, o: { port?: string; operatorUrl?: string; kubeconfig?: string }) =>
      run(async () => (await import('./attach.js')).agentAttach(task, o, io, untilSignal))(),
    );

  withCommonFlags(
    program
      .command('up')
      .description('start everything locally (control plane, CRDs, operator) in the foreground until Ctrl-C')
      .option('--home <dir>', 'state directory (default: $WEFT_HOME or ~/.weft)')
      .option('--no-forge', 'do not start the local forge (Gitea with a demo repository, see docs/forge.md)')
      .option('--no-real-node', 'do not run the real node (kubelet + containerd + runc; needs root): no AgentTasks or Jobs run'),
  ).action((o: CommonFlags & { home?: string; forge?: boolean; realNode?: boolean }) =>
    run(async () => (await import('./up.js')).up(weftHome(o.home), parseOperatorConfig({ ...o, kubeconfig: undefined }, {}), io, { forge: o.forge !== false, realNode: o.realNode !== false }))(),
  );
  program
    .command('demo')
    .description('with `weft up` running: sync the demo Spec-Kit feature into agents that open pull requests in Gitea, run a security scan Job, print the links')
    .option('--home <dir>', 'the state directory of the running weft up (default: $WEFT_HOME or ~/.weft)')
    .option('--timeout <seconds>', 'how long to wait for the agents and the scan', '600')
    .action((o: { home?: string; timeout: string }) =>
      run(async () => {
        const timeoutSeconds = Number(o.timeout);
        if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) throw new FlagError('--timeout', `"${o.timeout}" is not a positive number of seconds`);
        return (await import('./demo.js')).demo(weftHome(o.home), io, { timeoutSeconds });
      })(),
    );
  program
    .command('task-run', { hidden: true })
    .description("the runner of an AgentTask's pod (started by the AgentTask controller; reads WEFT_TASK_SPEC)")
    .action(() =>
      run(async () => {
        const { runTask, runnerEnvFrom } = await import('../agents/run/runner.js');
        const log = (line: string) => io.out(`${new Date().toISOString()} ${line}\n`);
        return runTask(runnerEnvFrom(process.env, log));
      })(),
    );
  addMcpCommands(program, io, run);
  addArtifactCommands(program, io, run);
  addSpeckitCommands(program, io, run);
  return program;
}

/**
 * Runs the weft CLI and returns its exit code: 0 ok, 1 failure, 2 usage error (unknown flag, bad
 * value — the message names the flag and the allowed values).
 */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  let result: Promise<number> | undefined;
  const program = buildProgram(io, (p) => {
    p.catch(() => {}); // handled below; avoids an unhandled rejection before parseAsync returns
    result = p;
  });
  try {
    await program.parseAsync(argv);
    if (!result) {
      program.outputHelp();
      return EXIT.usage;
    }
    return await result;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return EXIT.ok;
      if (err.code === 'commander.executeSubCommandAsync') return EXIT.failure;
      return EXIT.usage; // commander already printed "error: …" naming the flag
    }
    if (err instanceof FlagError) {
      io.err(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}
