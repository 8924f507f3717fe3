/**
 * The owned Workload of one attempt of an AgentTask: the whole agent pod (least privileged, Pod
 * Security `restricted`), placed, quota-checked and rescheduled by the Workload controller
 * (docs/scheduling.md, "Owned Workloads"). The runner in the pod (`weft task-run`,
 * src/agents/run/) reads the task from `WEFT_TASK_SPEC`, reaches the LLM and git only through the
 * operator (the URLs below) with its projected token, and reports its result in the termination
 * message (src/agents/run/result.ts).
 */
import { createHash } from 'node:crypto';
import type { V1Container, V1PodSpec, V1Volume } from '@kubernetes/client-node';
import type { AgentTask } from '../../src/api/agenttask/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { GATEWAY_AUDIENCE } from '../../src/agents/gateway/identity.js';
import { taskBranch, type RunnerTaskSpec } from '../../src/agents/run/spec.js';
import { taskOwnerRef, taskServiceAccountName } from './identity.js';
import { codeServerSidecar, codeServerVolumes, type CodeServerPodConfig } from './codeserver.js';

/** Where the runner finds its token, the workspace and its home. */
export const AGENT_PATHS = { tokenDir: '/var/run/secrets/weft', token: '/var/run/secrets/weft/token', workspace: '/workspace', home: '/home/agent', tmp: '/tmp' } as const;
/** The projected token's lifetime: the kubelet refreshes it at 80 %. */
export const TOKEN_EXPIRATION_SECONDS = 3600;
/** The agent container's name (the Workload's mainContainer). */
export const AGENT_CONTAINER = 'agent';

/** What the controller's configuration gives the pod. */
export interface AgentPodConfig {
  /** Default image (spec.agent.image overrides), e.g. localhost/weft-agent:dev. */
  image: string;
  /** The operator's base URL as the pods reach it, e.g. http://weft-operator.weft-system.svc:8080. */
  gatewayUrl: string;
  /** imagePullPolicy (Never for images imported into the node, IfNotPresent for a registry). */
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** The code-server sidecar of tasks with spec.agent.codeServer (absent: those tasks get none). */
  codeServer?: CodeServerPodConfig;
  /** Honour `weft.dev/crash-at` (crash-safety tests; AgentsConfig.testHooks). */
  testHooks?: boolean;
}

/** The annotation that kills an attempt's runner at a point (`<attempt>:<point>`, several comma-separated), with test hooks on. */
export const CRASH_AT_ANNOTATION = 'weft.dev/crash-at';

/** The runner's crash points for this attempt (WEFT_CRASH_AT), from the annotation; none without test hooks. */
function crashPoints(task: AgentTask, attempt: number, cfg: AgentPodConfig): string | undefined {
  const v = cfg.testHooks ? task.metadata.annotations?.[CRASH_AT_ANNOTATION] : undefined;
  const points = (v ?? '').split(',').map((p) => p.trim().split(':')).filter(([a]) => Number(a) === attempt).map((p) => p.slice(1).join(':'));
  return points.length ? points.join(',') : undefined;
}

/** The Workload of attempt `attempt` (1-based): `<task>-<attempt>`, cut with a hash when too long. */
export function attemptWorkloadName(task: string, attempt: number): string {
  const full = `${task}-${attempt}`;
  if (full.length <= 240) return full;
  const hash = createHash('sha256').update(task).digest('hex').slice(0, 8);
  return `${task.slice(0, 225).replace(/[-.]+$/, '')}-${hash}-${attempt}`;
}

/** The part of the spec the runner needs (no Secret names: the pod cannot read them anyway). */
export function runnerSpec(task: AgentTask, attempt: number, diagnostics?: string): RunnerTaskSpec {
  const s = task.spec;
  return {
    task: { namespace: task.metadata.namespace!, name: task.metadata.name! },
    attempt,
    branch: taskBranch(task.metadata.name!),
    repo: { url: s.repo.url, baseBranch: s.repo.baseBranch ?? 'main' },
    source: s.source,
    agent: { driver: s.agent?.driver ?? 'weft-agent', model: s.agent?.model, command: s.agent?.command, steps: s.agent?.steps },
    toolchain: { lint: s.toolchain?.lint ?? [], test: s.toolchain?.test ?? [] },
    mcp: s.mcp ?? [],
    ...(diagnostics ? { previousDiagnostics: diagnostics } : {}),
  };
}

function agentEnv(task: AgentTask, attempt: number, cfg: AgentPodConfig, diagnostics?: string): V1Container['env'] {
  const ns = task.metadata.namespace!;
  const name = task.metadata.name!;
  const gw = cfg.gatewayUrl.replace(/\/+$/, '');
  return [
    { name: 'WEFT_TASK', value: `${ns}/${name}` },
    { name: 'WEFT_ATTEMPT', value: String(attempt) },
    { name: 'WEFT_GATEWAY_URL', value: gw },
    { name: 'WEFT_TOKEN_FILE', value: AGENT_PATHS.token },
    { name: 'WEFT_WORKSPACE', value: AGENT_PATHS.workspace },
    { name: 'WEFT_GIT_URL', value: `${gw}/git/${ns}/${name}.git` },
    { name: 'OPENAI_BASE_URL', value: `${gw}/llm/${ns}/${name}/openai/v1` },
    { name: 'ANTHROPIC_BASE_URL', value: `${gw}/llm/${ns}/${name}/anthropic` },
    { name: 'WEFT_TASK_SPEC', value: JSON.stringify(runnerSpec(task, attempt, diagnostics)) },
    { name: 'HOME', value: AGENT_PATHS.home },
    { name: 'TMPDIR', value: AGENT_PATHS.tmp },
    { name: 'GIT_TERMINAL_PROMPT', value: '0' },
    ...((p) => (p ? [{ name: 'WEFT_CRASH_AT', value: p }] : []))(crashPoints(task, attempt, cfg)),
  ];
}

function volumes(): V1Volume[] {
  return [
    { name: 'workspace', emptyDir: {} },
    { name: 'home', emptyDir: {} },
    { name: 'tmp', emptyDir: {} },
    {
      name: 'weft-token',
      projected: { sources: [{ serviceAccountToken: { audience: GATEWAY_AUDIENCE, expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } }] },
    },
  ];
}

/**
 * The pod: ServiceAccount `weft-task-<task>` with no API token mounted, one projected token for
 * the audience `weft`, non-root, no privilege escalation, all capabilities dropped, seccomp
 * RuntimeDefault, read-only root filesystem with emptyDir workspace, home and /tmp.
 */
export function agentPodSpec(task: AgentTask, attempt: number, cfg: AgentPodConfig, opts: { diagnostics?: string; deadlineSeconds?: number } = {}): V1PodSpec {
  const container: V1Container = {
    name: AGENT_CONTAINER,
    image: task.spec.agent?.image ?? cfg.image,
    ...(cfg.imagePullPolicy ? { imagePullPolicy: cfg.imagePullPolicy } : {}),
    command: ['node', '/app/bin/weft.js', 'task-run'],
    workingDir: AGENT_PATHS.workspace,
    env: agentEnv(task, attempt, cfg, opts.diagnostics),
    terminationMessagePolicy: 'File',
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: 'workspace', mountPath: AGENT_PATHS.workspace },
      { name: 'home', mountPath: AGENT_PATHS.home },
      { name: 'tmp', mountPath: AGENT_PATHS.tmp },
      { name: 'weft-token', mountPath: AGENT_PATHS.tokenDir, readOnly: true },
    ],
  };
  const spec: V1PodSpec = {
    serviceAccountName: taskServiceAccountName(task.metadata.name!),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 10,
    ...(opts.deadlineSeconds !== undefined ? { activeDeadlineSeconds: Math.max(1, Math.ceil(opts.deadlineSeconds)) } : {}),
    securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [container],
    volumes: volumes(),
  };
  // spec.agent.codeServer: a native sidecar (ends with the agent container), see ./codeserver.ts.
  if (task.spec.agent?.codeServer && cfg.codeServer) {
    spec.initContainers = [codeServerSidecar(task, cfg.codeServer, { securityContext: container.securityContext!, imagePullPolicy: cfg.imagePullPolicy })];
    spec.volumes!.push(...codeServerVolumes());
  }
  return spec;
}

/** The owned Workload of an attempt: the task's org, placement and resources, the whole pod. */
export function agentWorkload(task: AgentTask, attempt: number, cfg: AgentPodConfig, opts: { diagnostics?: string; deadlineSeconds?: number } = {}): Workload {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Workload',
    metadata: {
      name: attemptWorkloadName(task.metadata.name!, attempt),
      namespace: task.metadata.namespace!,
      // The task's weft.dev/canary label goes with its Workload: a canary operator (--shard) runs both.
      labels: { ...canaryLabel(task), 'app.kubernetes.io/managed-by': 'weft', 'weft.dev/agenttask': task.metadata.name!.slice(0, 63), 'weft.dev/attempt': String(attempt) },
      ownerReferences: [taskOwnerRef(task)],
    },
    spec: {
      org: task.spec.org,
      ...(task.spec.placement ? { placement: task.spec.placement } : {}),
      resources: task.spec.resources ?? { cpu: '500m', memory: '1Gi' },
      mainContainer: AGENT_CONTAINER,
      template: { metadata: { labels: { 'weft.dev/agenttask': task.metadata.name!.slice(0, 63) } }, spec: agentPodSpec(task, attempt, cfg, opts) },
    },
  } as Workload;
}

/** The `weft.dev/canary` label of the task, if it has one (docs/deploy.md, canary rollout). */
function canaryLabel(task: AgentTask): Record<string, string> {
  const v = task.metadata.labels?.['weft.dev/canary'];
  return v === undefined ? {} : { 'weft.dev/canary': v };
}
