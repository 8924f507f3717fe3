import { readFileSync } from 'node:fs';
import { FlagError } from './errors.js';
import { parseListenAddr, type ListenAddr } from './addr.js';
import { parseFeatureGates, type FeatureGates } from './features.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../log.js';
import { tracesUrl, tracingOptionsFromEnv } from '../telemetry/options.js';
import { parseLabelSelector, type LabelSelector } from '../runtime/selector.js';

/** Flags shared by every long-running weft command (operator, up, agent). */
export interface CommonFlags {
  kubeconfig?: string;
  httpAddr?: string;
  webhookAddr?: string;
  logLevel?: string;
  logFormat?: string;
  featureGates?: string;
  namespace?: string;
  leaderElect?: boolean;
  mesh?: string;
  meshConfig?: string;
  meshPolicy?: string;
  meshSelf?: string;
  httpTls?: boolean;
  webhooks?: boolean;
  webhookUrl?: string;
  webhookService?: string;
  webhookConfigName?: string;
  controllers?: string;
  agentImage?: string;
  agentGatewayUrl?: string;
  agentTranscriptDir?: string;
  radicleHome?: string;
  otlpEndpoint?: string;
  shard?: string;
  artifactStore?: string;
}

/** The validated configuration of the operator process. */
export interface OperatorConfig {
  /** Path of the kubeconfig; undefined = `$KUBECONFIG`, else in-cluster. */
  kubeconfig: string | undefined;
  http: ListenAddr;
  webhook: ListenAddr;
  logLevel: LogLevel;
  logFormat: LogFormat;
  featureGates: FeatureGates;
  /** Namespace of the operator's own objects (leader Lease, policy ConfigMap, CA Secret). */
  namespace: string;
  /** Take part in leader election (only the leader reconciles); off = always reconcile. */
  leaderElect: boolean;
  /** The tailnet: discovery onto MeshNodes and ACL-checked writes (`--mesh none|stub|headscale`). */
  mesh: { mode: 'none' | 'stub' | 'headscale'; configPath?: string; policyPath?: string; self: string };
  /** Serve the HTTP API over TLS with a certificate from the operator CA, asking clients for one (mTLS). */
  httpTls: boolean;
  /**
   * Admission webhooks: serve them (on `webhook`) and register the webhook configurations pointing
   * at `url` (`auto`: this server's own address) or at the Service `service` in `namespace`.
   */
  webhooks: { serve: boolean; url?: string; service?: string; configName: string };
  /** The controllers to run (`--controllers`, as kube-controller-manager's: `*`, names, `-name`). */
  controllers: ReadonlySet<ControllerName>;
  /** AgentTask pods: their image and the operator URL they reach the gateway at (docs/agenttask.md). */
  agents: AgentsConfig;
  /**
   * OpenTelemetry traces (`--otlp-endpoint`, else `OTEL_EXPORTER_OTLP_ENDPOINT`): reconcile and
   * webhook spans exported over OTLP/HTTP. Undefined: off (docs/observability.md).
   */
  tracing?: { endpoint: string; serviceName?: string };
  /**
   * `--shard SELECTOR` (docs/deploy.md "Canary"): reconcile and admit only the Weft objects whose
   * labels match; undefined: all of them. The leader Lease and the webhook configurations are per shard.
   */
  shard?: LabelSelector;
  /** `--artifact-store NS/NAME`: the default artifact store Secret (runs that name none, and the run history). */
  artifactStore?: { namespace: string; name: string };
}

/** How AgentTask pods are built and reach the operator. */
export interface AgentsConfig {
  /** Default agent image (`--agent-image`; spec.agent.image overrides). */
  image: string;
  /** The operator's URL as agent pods reach it (`--agent-gateway-url`), e.g. http://weft-operator.weft-system.svc:8080. */
  gatewayUrl: string;
  /** Where LLM transcripts are written (`--agent-transcript-dir`; none when unset). */
  transcriptDir?: string;
  /**
   * The operator's Radicle identity (`--radicle-home`, else `WEFT_RADICLE_HOME`; its key's passphrase in
   * `RAD_PASSPHRASE`): AgentTasks whose `spec.repo.url` is a repository id (`rad:z…`) are fetched,
   * pushed and opened as patches with it (docs/agent-workflow.md#radicle).
   */
  radicle?: { radHome: string; passphrase?: string };
  /**
   * Crash-safety tests only (`WEFT_AGENT_TEST_HOOKS=1` in the operator's environment): the annotation
   * `weft.dev/crash-at: "<attempt>:<point>"` on an AgentTask kills that attempt's runner at the
   * point (after:clone, after:commit, after:push), as if its pod died there.
   */
  testHooks?: boolean;
}

/** The agent image hack/images/build.sh builds (imported into the local real node). */
export const DEFAULT_AGENT_IMAGE = 'localhost/weft-agent:dev';

/** Every controller the operator has (src/operator/controllers.ts registers them under these names). */
export const CONTROLLER_NAMES = ['meshnode', 'orgcluster', 'workload', 'agenttask', 'job'] as const;
export type ControllerName = (typeof CONTROLLER_NAMES)[number];

/** `--controllers`: a comma list of names, `*` for all, `-name` to leave one out (default `*`). */
export function parseControllers(value: string | undefined): ReadonlySet<ControllerName> {
  const chosen = new Set<ControllerName>();
  const items = (value ?? '*').split(',').map((x) => x.trim()).filter(Boolean);
  if (items.length === 0) throw new FlagError('--controllers', `is empty; use * or names from: ${CONTROLLER_NAMES.join(', ')}`);
  for (const item of items) {
    if (item === '*') for (const n of CONTROLLER_NAMES) chosen.add(n);
  }
  for (const item of items) {
    if (item === '*') continue;
    const name = item.startsWith('-') ? item.slice(1) : item;
    const known = oneOf('--controllers', name, CONTROLLER_NAMES);
    if (item.startsWith('-')) chosen.delete(known);
    else chosen.add(known);
  }
  return chosen;
}

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `--namespace`, else `$POD_NAMESPACE`, else the in-cluster ServiceAccount's, else `weft-system`. */
export function operatorNamespace(flag: string | undefined, env: NodeJS.ProcessEnv, readSaFile: () => string | undefined): string {
  const ns = flag ?? env.POD_NAMESPACE ?? readSaFile() ?? 'weft-system';
  if (!DNS1123.test(ns) || ns.length > 63) {
    throw new FlagError('--namespace', `"${ns}" is not a valid namespace name (lower-case letters, digits and "-", at most 63 characters)`);
  }
  return ns;
}

/** Checks that `value` is one of `allowed`, else a FlagError that lists them. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new FlagError(flag, `"${value}" is not allowed; use one of: ${allowed.join(', ')}`);
}

/**
 * Validates the common flags and fills in defaults (`:8080`, `:9443`, info, json). Every error names
 * the flag and the allowed values.
 */
/** `--artifact-store NS/NAME` → the Secret's namespace and name. */
function parseArtifactStore(v: string | undefined): { artifactStore?: { namespace: string; name: string } } {
  if (v === undefined) return {};
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(v);
  if (!m) throw new FlagError('--artifact-store', `"${v}" is not NAMESPACE/NAME of a Secret, e.g. weft-system/weft-artifacts`);
  return { artifactStore: { namespace: m[1]!, name: m[3]! } };
}

export function parseOperatorConfig(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const kubeconfig = flags.kubeconfig ?? (env.KUBECONFIG ? env.KUBECONFIG : undefined);
  if (kubeconfig !== undefined && kubeconfig.trim() === '') throw new FlagError('--kubeconfig', 'path is empty');
  const shard = parseShard(flags.shard);
  return {
    kubeconfig,
    http: parseListenAddr('--http-addr', flags.httpAddr ?? ':8080'),
    webhook: parseListenAddr('--webhook-addr', flags.webhookAddr ?? ':9443'),
    logLevel: oneOf('--log-level', flags.logLevel ?? 'info', LOG_LEVELS),
    logFormat: oneOf('--log-format', flags.logFormat ?? 'json', LOG_FORMATS),
    featureGates: parseFeatureGates(flags.featureGates ?? ''),
    namespace: operatorNamespace(flags.namespace, env, () => {
      try {
        return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() || undefined;
      } catch {
        return undefined;
      }
    }),
    leaderElect: flags.leaderElect ?? true,
    mesh: {
      mode: oneOf('--mesh', flags.mesh ?? 'none', ['none', 'stub', 'headscale'] as const),
      configPath: flags.meshConfig,
      policyPath: flags.meshPolicy,
      self: flags.meshSelf ?? 'weft-operator',
    },
    httpTls: flags.httpTls ?? false,
    webhooks: parseWebhooks(flags, shard),
    shard,
    controllers: parseControllers(flags.controllers),
    agents: parseAgents(flags, operatorNamespaceOr(flags, env), env),
    ...parseTracing(flags, env),
    ...parseArtifactStore(flags.artifactStore),
  };
}

function parseTracing(flags: CommonFlags, env: NodeJS.ProcessEnv): Pick<OperatorConfig, 'tracing'> {
  const fromEnv = tracingOptionsFromEnv(env);
  const endpoint = flags.otlpEndpoint ?? fromEnv.endpoint;
  if (endpoint === undefined || endpoint === '') return {};
  try {
    tracesUrl(endpoint);
  } catch (err) {
    throw new FlagError(flags.otlpEndpoint !== undefined ? '--otlp-endpoint' : 'OTEL_EXPORTER_OTLP_ENDPOINT', (err as Error).message);
  }
  return { tracing: { endpoint, ...(fromEnv.serviceName ? { serviceName: fromEnv.serviceName } : {}) } };
}

function operatorNamespaceOr(flags: CommonFlags, env: NodeJS.ProcessEnv): string {
  return flags.namespace ?? env.POD_NAMESPACE ?? 'weft-system';
}

function parseAgents(flags: CommonFlags, namespace: string, env: NodeJS.ProcessEnv): AgentsConfig {
  const gatewayUrl = flags.agentGatewayUrl ?? `http://weft-operator.${namespace}.svc:8080`;
  let u: URL;
  try {
    u = new URL(gatewayUrl);
  } catch {
    throw new FlagError('--agent-gateway-url', `"${gatewayUrl}" is not a URL: use the operator's address as agent pods reach it, e.g. http://weft-operator.weft-system.svc:8080`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FlagError('--agent-gateway-url', `"${gatewayUrl}" must be http:// or https://`);
  const image = flags.agentImage ?? DEFAULT_AGENT_IMAGE;
  if (!image.trim()) throw new FlagError('--agent-image', 'is empty; e.g. localhost/weft-agent:dev');
  const radHome = flags.radicleHome ?? env.WEFT_RADICLE_HOME;
  if (radHome !== undefined && !radHome.trim()) throw new FlagError('--radicle-home', 'is empty; give the RAD_HOME of the operator\'s Radicle identity (made with `rad auth`)');
  const radicle = radHome ? { radicle: { radHome, ...(env.RAD_PASSPHRASE !== undefined ? { passphrase: env.RAD_PASSPHRASE } : {}) } } : {};
  return { image, gatewayUrl, ...(flags.agentTranscriptDir ? { transcriptDir: flags.agentTranscriptDir } : {}), ...radicle, ...(env.WEFT_AGENT_TEST_HOOKS === '1' ? { testHooks: true } : {}) };
}

/** `--shard`: a label selector such as `weft.dev/canary=true` or `weft.dev/canary!=true`. */
function parseShard(value: string | undefined): LabelSelector | undefined {
  if (value === undefined) return undefined;
  try {
    return parseLabelSelector(value);
  } catch (err) {
    throw new FlagError('--shard', `${(err as Error).message}; e.g. --shard 'weft.dev/canary=true'`);
  }
}

function parseWebhooks(flags: CommonFlags, shard?: LabelSelector): OperatorConfig['webhooks'] {
  const url = flags.webhookUrl;
  if (url !== undefined && url !== 'auto') {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new FlagError('--webhook-url', `"${url}" is not a URL: use https://HOST:PORT (what the apiserver calls), or auto`);
    }
    if (u.protocol !== 'https:') throw new FlagError('--webhook-url', `"${url}" must use https: the apiserver only calls webhooks over TLS`);
  }
  if (url !== undefined && flags.webhookService !== undefined) throw new FlagError('--webhook-url', 'give either --webhook-url or --webhook-service, not both');
  if (flags.webhookService !== undefined && !DNS1123.test(flags.webhookService)) throw new FlagError('--webhook-service', `"${flags.webhookService}" is not a Service name`);
  // Each shard registers its own configurations (with its objectSelector): they must not overwrite each other.
  const configName = flags.webhookConfigName ?? (shard ? `weft-shard-${shard.id()}` : 'weft');
  if (!DNS1123.test(configName)) throw new FlagError('--webhook-config-name', `"${configName}" is not a valid object name`);
  return { serve: Boolean(flags.webhooks || url || flags.webhookService), url, service: flags.webhookService, configName };
}
