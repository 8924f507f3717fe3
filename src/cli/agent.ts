import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { provisionAgent } from '../nodeagent/provision.js';
import { NodeAgent } from '../nodeagent/agent.js';
import { toHostResources } from '../nodeagent/capacity-report.js';
import { detectHostCapacity } from '../capacity/index.js';
import { FlagError } from '../config/errors.js';
import { oneOf } from '../config/operator.js';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../log.js';
import { loadKubeConfig } from '../runtime/load-kubeconfig.js';
import { EXIT, untilSignal, type CliIO } from './io.js';

/** Flags of `weft agent` and `weft agent provision`. */
export interface AgentFlags {
  name?: string;
  org?: string;
  tags?: string;
  mesh?: string;
  kubeconfig?: string;
  logLevel?: string;
  logFormat?: string;
  output?: string;
  storagePath?: string;
  loginServer?: string;
  authKey?: string;
  tailscaleSocket?: string;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const TAG = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[a-zA-Z0-9*._-]+)?$/;

/** Validates --name, --org and --tags (exit 2 with the rule on bad values). */
export function parseAgentIdentity(f: AgentFlags): { name: string; org: string; tags: string[] } {
  if (!f.name) throw new FlagError('--name', 'is required: the MeshNode name of this host, e.g. --name gpu-box-1');
  if (!NAME.test(f.name) || f.name.length > 253) throw new FlagError('--name', `"${f.name}" is not a valid name (lower-case letters, digits, "-" and ".")`);
  if (!f.org) throw new FlagError('--org', 'is required: the organisation that owns this host, e.g. --org acme');
  if (!NAME.test(f.org)) throw new FlagError('--org', `"${f.org}" is not a valid organisation name (lower-case letters, digits, "-")`);
  const tags = (f.tags ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  for (const t of tags) {
    if (!TAG.test(t)) throw new FlagError('--tags', `"${t}" is not a valid tag; use key or key:value, e.g. gpu:a100,zone:eu-1`);
  }
  return { name: f.name, org: f.org, tags };
}

/** `weft agent provision`: creates the host's MeshNode, Lease, RBAC and prints/writes its kubeconfig. */
export async function agentProvision(f: AgentFlags, io: CliIO): Promise<number> {
  const id = parseAgentIdentity(f);
  const kc = await loadKubeConfig(f.kubeconfig).toClientNode();
  const kubeconfig = await provisionAgent(kc, id);
  if (f.output) {
    await writeFile(f.output, kubeconfig, { mode: 0o600 });
    io.err(`agent kubeconfig for ${id.name} written to ${f.output}\nrun on the host: weft agent --name ${id.name} --org ${id.org} --kubeconfig ${f.output}\n`);
  } else {
    io.out(kubeconfig);
  }
  return EXIT.ok;
}

/** `weft agent`: reports this host's capacity and heartbeats until SIGTERM. */
export async function agentRun(f: AgentFlags, io: CliIO): Promise<number> {
  const id = parseAgentIdentity(f);
  const mesh = oneOf('--mesh', f.mesh ?? 'none', ['none', 'stub', 'headscale'] as const);
  const log = createLogger({
    level: oneOf<LogLevel>('--log-level', f.logLevel ?? 'info', LOG_LEVELS),
    format: oneOf<LogFormat>('--log-format', f.logFormat ?? 'json', LOG_FORMATS),
  }).child({ component: 'agent', node: id.name, org: id.org });
  if (mesh === 'headscale') await joinTailnet(id.name, f, log);
  const agent = new NodeAgent({
    name: id.name,
    kc: await loadKubeConfig(f.kubeconfig).toClientNode(),
    log,
    detect: async () => {
      const c = await detectHostCapacity({ storagePath: f.storagePath });
      for (const w of c.warnings) log.warn({ warning: w }, 'capacity detection');
      return toHostResources({ cpuMillicores: c.cpuMillicores, memoryBytes: c.memoryBytes, ephemeralStorageBytes: c.ephemeralStorageBytes, gpus: c.gpus.map((g) => ({ ...g, memory: g.memory })) });
    },
  });
  await agent.start();
  log.info({ tags: id.tags, mesh }, 'agent started');
  io.err(`weft agent ${id.name} running (org ${id.org}); Ctrl-C to stop\n`);
  await untilSignal();
  agent.stop();
  return EXIT.ok;
}

/**
 * `--mesh=headscale`: joins this host's tailscaled to the Headscale tailnet with a pre-auth key before
 * the agent registers, so the MeshNode and the tailnet device share the host's name.
 */
async function joinTailnet(name: string, f: AgentFlags, log: { info: (o: object, m: string) => void }): Promise<void> {
  if (!f.loginServer) throw new FlagError('--login-server', 'is required with --mesh=headscale: the Headscale URL, e.g. https://headscale.example.com');
  const authKey = f.authKey ?? process.env.TS_AUTHKEY;
  if (!authKey) throw new FlagError('--auth-key', 'is required with --mesh=headscale (or set TS_AUTHKEY): a pre-auth key from `headscale preauthkeys create`');
  const socket = f.tailscaleSocket ? [`--socket=${f.tailscaleSocket}`] : [];
  const r = await execa('tailscale', [...socket, 'up', '--reset', `--login-server=${f.loginServer}`, `--auth-key=${authKey}`, `--hostname=${name}`, '--accept-dns=false', '--timeout=60s'], { reject: false });
  if (r.exitCode !== 0) throw new Error(`tailscale up failed (exit ${r.exitCode}): ${String(r.stderr || r.stdout).trim()} — is tailscaled running${f.tailscaleSocket ? ` on ${f.tailscaleSocket}` : ''}?`);
  log.info({ loginServer: f.loginServer }, 'joined the tailnet');
}
