/**
 * JSON Schemas of the dashboard API (`/api/v1/dashboard/...`): fastify serializes replies with them
 * and /openapi.json documents them. They describe the shapes in types.ts.
 */
const res = {
  type: 'object',
  description: 'CPU in cores, memory in bytes, GPUs as a count.',
  required: ['cpu', 'memory', 'gpus'],
  properties: { cpu: { type: 'number' }, memory: { type: 'number' }, gpus: { type: 'number' } },
} as const;
const str = { type: 'string' } as const;
const strings = { type: 'array', items: str } as const;
const status = { type: 'string', enum: ['True', 'False', 'Unknown'] } as const;
const conditions = {
  type: 'array',
  items: { type: 'object', required: ['type', 'status'], properties: { type: str, status, reason: str, message: str, lastTransitionTime: str } },
} as const;
const facets = { type: 'object', required: ['orgs', 'tags'], properties: { orgs: strings, tags: strings } } as const;
/** A named (`$id`) table-row schema, referenced from the list and detail replies. */
const rowSchema = <Id extends string, P extends object>($id: Id, description: string, required: string[], properties: P) => ({ $id, type: 'object', description, required, properties }) as const;

const nodeRowProps = {
  name: str,
  org: str,
  hostname: str,
  tags: strings,
  ready: status,
  readyMessage: str,
  unschedulable: { type: 'boolean' },
  heartbeatAgeSeconds: { type: ['number', 'null'], description: 'Seconds since the last heartbeat when the reply was made; null: never.' },
  capacity: res,
  allocatable: res,
  allocated: res,
  tailnet: { type: 'object', required: ['ips', 'tags'], properties: { online: { type: 'boolean' }, name: str, ips: strings, tags: strings } },
  workloads: { type: 'integer', description: 'Workloads placed on this node.' },
} as const;
const nodeRequired = ['name', 'org', 'hostname', 'tags', 'ready', 'unschedulable', 'heartbeatAgeSeconds', 'capacity', 'allocatable', 'allocated', 'tailnet', 'workloads'];

export const dashNodeSchema = rowSchema('DashboardNode', 'A MeshNode as a dashboard table row.', nodeRequired, nodeRowProps);

const clusterRowProps = {
  namespace: str,
  name: str,
  org: str,
  provider: str,
  version: str,
  apiServerURL: str,
  nodes: { type: 'integer' },
  ready: status,
  reachable: status,
  message: str,
  capacity: res,
  allocatable: res,
} as const;
const clusterRequired = ['namespace', 'name', 'org', 'provider', 'ready', 'reachable', 'capacity', 'allocatable'];
export const dashClusterSchema = rowSchema('DashboardCluster', 'An OrgCluster as a dashboard table row.', clusterRequired, clusterRowProps);

const workloadRowProps = {
  namespace: str,
  name: str,
  org: str,
  phase: str,
  cluster: str,
  node: str,
  score: { type: 'number' },
  priority: { type: 'integer' },
  requests: res,
  rejected: { type: 'array', description: "The scheduler's reasons for each rejected candidate.", items: { type: 'object', required: ['candidate', 'reason'], properties: { candidate: str, reason: str } } },
  message: str,
  createdAt: str,
} as const;
const agentTaskRowProps = {
  namespace: str,
  name: str,
  org: str,
  phase: str,
  outcome: str,
  attempt: { type: 'integer' },
  feature: str,
  taskId: str,
  pullRequest: str,
  message: str,
  blocked: { type: 'boolean' },
  requests: { type: 'integer' },
  tokens: { type: 'integer' },
  createdAt: str,
  title: str,
  specPhase: str,
  line: { type: 'integer' },
} as const;
export const dashAgentTaskSchema = rowSchema('DashboardAgentTask', 'An AgentTask: phase, outcome, attempt, its change, usage, and why it waits.', ['namespace', 'name', 'org', 'phase', 'attempt', 'blocked', 'requests', 'tokens'], agentTaskRowProps);

const int = { type: 'integer' } as const;
const counts = { requests: int, inputTokens: int, outputTokens: int, cachedTokens: int } as const;
const artifacts = { type: 'array', items: { type: 'object', required: ['name'], properties: { name: str, url: str, digest: str, size: int } } } as const;

export const agentTaskDetailSchema = {
  type: 'object',
  required: ['task', 'attempts'],
  properties: {
    task: {
      type: 'object',
      required: ['namespace', 'name', 'org', 'phase', 'attempt', 'blocked', 'requests', 'tokens', 'conditions', 'artifacts', 'dependsOn', 'usage', 'codeServer', 'canAttach', 'canReadTranscript'],
      properties: {
        ...agentTaskRowProps,
        conditions,
        artifacts,
        traceId: str,
        branch: str,
        pullRequestState: str,
        dependsOn: strings,
        concurrency: { type: 'object', required: ['group', 'limit'], properties: { group: str, limit: int } },
        budget: { type: 'object', properties: { maxTokens: int, maxRequests: int, maxWallSeconds: int } },
        usage: { type: 'object', required: ['requests', 'inputTokens', 'outputTokens', 'cachedTokens', 'models'], properties: { ...counts, models: { type: 'array', items: { type: 'object', required: ['model', 'requests', 'inputTokens', 'outputTokens', 'cachedTokens'], properties: { model: str, ...counts } } } } },
        lastRun: {
          type: 'object',
          properties: {
            lint: str,
            test: str,
            tests: { type: 'object', properties: { passed: int, failed: int, skipped: int } },
            failures: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: str, location: str, message: str } } },
            lintErrors: { type: 'array', items: { type: 'object', required: ['location', 'message'], properties: { location: str, message: str } } },
          },
        },
        diagnostics: str,
        review: { type: 'object', required: ['iterations', 'checkIterations'], properties: { iterations: int, checkIterations: int } },
        codeServer: { type: 'boolean' },
        canAttach: { type: 'boolean' },
        canReadTranscript: { type: 'boolean' },
      },
    },
    attempts: { type: 'array', items: { type: 'object', required: ['attempt', 'workload', 'phase'], properties: { attempt: int, workload: str, phase: str, node: str, message: str, createdAt: str, startedAt: str, finishedAt: str } } },
  },
} as const;

const jobRowProps = {
  namespace: str,
  name: str,
  org: str,
  template: str,
  phase: str,
  reason: str,
  attempts: int,
  summary: str,
  exitCode: int,
  artifactCount: int,
  traceId: str,
  startedAt: str,
  finishedAt: str,
  createdAt: str,
} as const;
const jobRequired = ['namespace', 'name', 'org', 'template', 'phase', 'attempts', 'artifactCount'];
export const dashJobSchema = rowSchema('DashboardJob', 'A Job: template, phase and reason, attempts, summary, artifacts, trace id.', jobRequired, jobRowProps);
export const jobDetailSchema = {
  type: 'object',
  required: ['job', 'attempts'],
  properties: {
    job: {
      type: 'object',
      required: [...jobRequired, 'conditions', 'params', 'artifacts'],
      properties: {
        ...jobRowProps,
        conditions,
        params: { type: 'object', additionalProperties: str },
        message: str,
        result: { type: 'object', properties: { summary: str, stage: str, commit: str, metrics: { type: 'object', additionalProperties: { type: 'number' } }, tests: { type: 'object', properties: { total: int, passed: int, failed: int, skipped: int } } } },
        commitStatus: { type: 'object', properties: { state: str, outcome: str, context: str, message: str, sha: str } },
        artifacts,
        log: str,
      },
    },
    attempts: { type: 'array', items: { type: 'object', required: ['attempt', 'workload', 'phase'], properties: { attempt: int, workload: str, phase: str, node: str, createdAt: str } } },
  },
} as const;

const workloadRequired = ['namespace', 'name', 'org', 'phase', 'priority', 'requests', 'rejected'];
export const dashWorkloadSchema = rowSchema('DashboardWorkload', 'A Workload with its placement.', workloadRequired, workloadRowProps);

const podRow = { type: 'object', required: ['namespace', 'name', 'phase'], properties: { namespace: str, name: str, phase: str, node: str, startTime: str, workload: str } } as const;
const eventRow = {
  type: 'object',
  required: ['time', 'type', 'reason', 'note', 'object', 'count'],
  properties: { time: str, type: str, reason: str, note: str, count: { type: 'integer' }, object: { type: 'object', required: ['kind', 'name'], properties: { kind: str, namespace: str, name: str } } },
} as const;
const byPhase = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export const listReply = (ref: string) => ({ type: 'object', required: ['items', 'facets'], properties: { items: { type: 'array', items: { $ref: `${ref}#` } }, facets } }) as const;

export const nodeDetailSchema = {
  type: 'object',
  required: ['node', 'workloads'],
  properties: {
    node: { type: 'object', required: [...nodeRequired, 'conditions', 'labels', 'clusters'], properties: { ...nodeRowProps, conditions, labels: { type: 'object', additionalProperties: str }, clusters: strings, createdAt: str } },
    workloads: { type: 'array', items: { $ref: 'DashboardWorkload#' } },
  },
} as const;

export const clusterDetailSchema = {
  type: 'object',
  required: ['cluster', 'pods', 'workloads'],
  properties: {
    cluster: { type: 'object', required: [...clusterRequired, 'conditions'], properties: { ...clusterRowProps, conditions, createdAt: str } },
    pods: { type: 'object', required: ['state', 'items'], properties: { state: { type: 'string', enum: ['ok', 'syncing', 'error'] }, message: str, items: { type: 'array', items: podRow } } },
    workloads: { type: 'array', items: { $ref: 'DashboardWorkload#' } },
  },
} as const;

export const workloadDetailSchema = {
  type: 'object',
  required: ['workload'],
  properties: {
    workload: { type: 'object', required: [...workloadRequired, 'conditions'], properties: { ...workloadRowProps, conditions, pod: { type: 'object', properties: { cluster: str, namespace: str, name: str } } } },
  },
} as const;

export const overviewSchema = {
  type: 'object',
  required: ['nodes', 'clusters', 'pods', 'workloads', 'capacity', 'events', 'facets'],
  properties: {
    nodes: { type: 'object', required: ['ready', 'total', 'cordoned'], properties: { ready: { type: 'integer' }, total: { type: 'integer' }, cordoned: { type: 'integer' } } },
    clusters: { type: 'object', required: ['reachable', 'total'], properties: { reachable: { type: 'integer' }, total: { type: 'integer' } } },
    pods: {
      type: 'object',
      required: ['byPhase', 'listed', 'total', 'unavailable'],
      properties: { byPhase, listed: { type: 'integer' }, total: { type: 'integer' }, unavailable: { type: 'array', items: { type: 'object', required: ['cluster', 'message'], properties: { cluster: str, message: str } } } },
    },
    workloads: { type: 'object', required: ['byPhase', 'total'], properties: { byPhase, total: { type: 'integer' } } },
    capacity: { type: 'object', description: 'Allocated against allocatable over the Ready nodes.', required: ['used', 'allocatable'], properties: { used: res, allocatable: res } },
    events: { type: 'array', items: eventRow },
    facets,
  },
} as const;

export const meSchema = {
  type: 'object',
  required: ['user', 'via', 'can', 'deleteWorkloadNamespaces'],
  properties: {
    user: { type: 'object', required: ['username', 'groups'], properties: { username: str, groups: strings } },
    via: { type: 'string', enum: ['token', 'certificate'] },
    can: { type: 'object', required: ['view', 'cordon', 'uncordon', 'deleteWorkloads'], properties: { view: { type: 'boolean' }, cordon: { type: 'boolean' }, uncordon: { type: 'boolean' }, deleteWorkloads: { type: 'boolean' } } },
    missing: str,
    deleteWorkloadNamespaces: strings,
  },
} as const;

/** 401: no or invalid credentials. */
export const unauthorizedSchema = { $ref: 'Error#' } as const;
/** 403 from RBAC: names the missing permission (shared with the read API, so it lives in ../schemas.ts). */
export { rbacDenialSchema } from '../schemas.js';
