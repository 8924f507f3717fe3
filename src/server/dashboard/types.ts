/**
 * The dashboard API's reply shapes, shared by the server (src/server/dashboard) and the UI (web/):
 * type-only, so both the operator and the browser bundle compile against the same contract. The
 * JSON Schemas in schemas.ts describe the same shapes for validation and /openapi.json.
 */

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Resources as plain numbers, for sorting and bars: CPU in cores, memory in bytes, GPUs. */
export interface Res {
  cpu: number;
  memory: number;
  gpus: number;
}

export interface ConditionView {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface NodeRow {
  name: string;
  org: string;
  hostname: string;
  tags: string[];
  ready: ConditionStatus;
  /** Message of the Ready condition (why it is not ready). */
  readyMessage?: string;
  unschedulable: boolean;
  /** Seconds since the last heartbeat (Lease renewal) when the reply was made; null: never. */
  heartbeatAgeSeconds: number | null;
  capacity: Res;
  allocatable: Res;
  allocated: Res;
  tailnet: { online?: boolean; name?: string; ips: string[]; tags: string[] };
  /** Workloads placed on this node. */
  workloads: number;
}

export interface NodeDetail {
  node: NodeRow & { conditions: ConditionView[]; labels: Record<string, string>; clusters: string[]; createdAt?: string };
  workloads: WorkloadRow[];
}

export interface ClusterRow {
  namespace: string;
  name: string;
  org: string;
  provider: string;
  version?: string;
  apiServerURL?: string;
  nodes?: number;
  ready: ConditionStatus;
  reachable: ConditionStatus;
  /** Message of the Reachable (or Ready) condition. */
  message?: string;
  capacity: Res;
  allocatable: Res;
}

export interface PodRow {
  namespace: string;
  name: string;
  phase: string;
  node?: string;
  startTime?: string;
  /** Workload (namespace/name) that owns the pod, when a Workload points at it. */
  workload?: string;
}

/** Pods of one cluster, from a watch on that cluster: `syncing` until the first list arrives. */
export interface ClusterPods {
  state: 'ok' | 'syncing' | 'error';
  message?: string;
  items: PodRow[];
}

export interface ClusterDetail {
  cluster: ClusterRow & { conditions: ConditionView[]; createdAt?: string };
  pods: ClusterPods;
  workloads: WorkloadRow[];
}

/** An AgentTask as the Agent tasks page lists it. */
export interface AgentTaskRow {
  namespace: string;
  name: string;
  org: string;
  /** Pending, Running, Reviewing, Succeeded, Failed (Pending before the controller has seen it). */
  phase: string;
  outcome?: string;
  attempt: number;
  /** The Spec-Kit feature and task id (weft speckit sync labels), when it came from tasks.md. */
  feature?: string;
  taskId?: string;
  /** The change's web URL, once opened. */
  pullRequest?: string;
  /** Why it waits (condition Blocked), or its status message. */
  message?: string;
  blocked: boolean;
  /** LLM usage counted by the gateway. */
  requests: number;
  tokens: number;
  createdAt?: string;
  /** The change's title (weft.dev/title: `T004: the description` for Spec-Kit tasks). */
  title?: string;
  /** The tasks.md phase title and line (weft speckit sync annotations): the feature view's order. */
  specPhase?: string;
  line?: number;
}

/** A Job as a table row. */
export interface JobRow {
  namespace: string;
  name: string;
  org: string;
  template: string;
  /** Pending, Running, Succeeded, Failed. */
  phase: string;
  /** Completed, TemplateFailed, InvalidParams, DeadlineExceeded, BackoffLimitExceeded, InfraFailed. */
  reason?: string;
  attempts: number;
  /** The result's one-line summary, or the status message. */
  summary?: string;
  exitCode?: number;
  artifactCount: number;
  traceId?: string;
  startedAt?: string;
  finishedAt?: string;
  createdAt?: string;
}

/** A published artifact with its download path (through the operator, RBAC-checked). */
export interface ArtifactView {
  name: string;
  url?: string;
  digest?: string;
  size?: number;
}

/** The detail page of a Job. */
export interface JobDetail {
  job: JobRow & {
    conditions: ConditionView[];
    params: Record<string, string>;
    message?: string;
    result?: { summary?: string; stage?: string; commit?: string; metrics?: Record<string, number>; tests?: { total?: number; passed?: number; failed?: number; skipped?: number } };
    commitStatus?: { state?: string; outcome?: string; context?: string; message?: string; sha?: string };
    artifacts: ArtifactView[];
    /** The download path of the archived log (weft-logs/job.log), when published. */
    log?: string;
  };
  attempts: Array<{ attempt: number; workload: string; phase: string; node?: string; createdAt?: string }>;
}

/** One attempt of an AgentTask: its Workload `<task>-<n>` as the cache has it. */
export interface AgentTaskAttempt {
  attempt: number;
  workload: string;
  phase: string;
  node?: string;
  message?: string;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** The detail page of an AgentTask. */
export interface AgentTaskDetail {
  task: AgentTaskRow & {
    conditions: ConditionView[];
    /** Transcripts and reports published when the task ended (docs/artifacts.md). */
    artifacts: ArtifactView[];
    traceId?: string;
    branch?: string;
    pullRequestState?: string;
    dependsOn: string[];
    concurrency?: { group: string; limit: number };
    budget?: { maxTokens?: number; maxRequests?: number; maxWallSeconds?: number };
    usage: { requests: number; inputTokens: number; outputTokens: number; cachedTokens: number; models: Array<{ model: string; requests: number; inputTokens: number; outputTokens: number; cachedTokens: number }> };
    lastRun?: { lint?: string; test?: string; tests?: { passed?: number; failed?: number; skipped?: number }; failures?: Array<{ name: string; location?: string; message?: string }>; lintErrors?: Array<{ location: string; message: string }> };
    /** Why the last attempt failed (the end, when long). */
    diagnostics?: string;
    review?: { iterations: number; checkIterations: number };
    /** spec.agent.codeServer: a code-server sidecar a human may attach to. */
    codeServer: boolean;
    /** The caller may attach (SubjectAccessReview for attach on this task): the dashboard shows the button. */
    canAttach: boolean;
    /** The caller may read the LLM transcripts (get on agenttasks/transcript). */
    canReadTranscript: boolean;
  };
  attempts: AgentTaskAttempt[];
}

export interface WorkloadRow {
  namespace: string;
  name: string;
  org: string;
  phase: string;
  cluster?: string;
  node?: string;
  score?: number;
  priority: number;
  requests: Res;
  /** Candidates the scheduler rejected and why (shown for Pending workloads). */
  rejected: Array<{ candidate: string; reason: string }>;
  /** Message of the Scheduled condition, when there is one. */
  message?: string;
  createdAt?: string;
}

export interface WorkloadDetail {
  workload: WorkloadRow & { conditions: ConditionView[]; pod?: { cluster?: string; namespace?: string; name?: string } };
}

export interface EventRow {
  time: string;
  type: string;
  reason: string;
  note: string;
  object: { kind: string; namespace?: string; name: string };
  count: number;
}

export interface Overview {
  nodes: { ready: number; total: number; cordoned: number };
  clusters: { reachable: number; total: number };
  /** Pods of the clusters by phase; `listed` of `total` clusters could be read (the rest in `unavailable`). */
  pods: { byPhase: Record<string, number>; listed: number; total: number; unavailable: Array<{ cluster: string; message: string }> };
  workloads: { byPhase: Record<string, number>; total: number };
  /** Allocated (requested by placed workloads) against allocatable, over the Ready nodes. */
  capacity: { used: Res; allocatable: Res };
  events: EventRow[];
  /** Every org in the mesh (the filter menu), whatever the filter. */
  facets: Facets;
}

/** Orgs and tags known to the mesh, for the filter menus. */
export interface Facets {
  orgs: string[];
  tags: string[];
}

export interface Me {
  user: { username: string; groups: string[] };
  via: 'token' | 'certificate';
  /** What the UI may offer: each is checked with a SubjectAccessReview. */
  can: { view: boolean; cordon: boolean; uncordon: boolean; deleteWorkloads: boolean };
  /** The first read permission the user lacks (when `can.view` is false). */
  missing?: string;
  /** Namespaces where workloads may be deleted when not everywhere. */
  deleteWorkloadNamespaces: string[];
}

export interface ItemsReply<T> {
  items: T[];
  facets: Facets;
}

/** A message on the live stream: what changed, by kind. */
export interface ChangeMessage {
  rev: number;
  kinds: Array<'nodes' | 'clusters' | 'workloads' | 'pods' | 'events' | 'agenttasks' | 'jobs'>;
}
