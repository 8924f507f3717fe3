/** The AgentTask controller's observation, actions and plan (shared by plan.ts and planner.ts). */
import type { AgentTask, AgentTaskStatus, AgentUsage } from '../../src/api/agenttask/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import type { RunnerResult } from '../../src/agents/run/spec.js';
import type { FailingCheck, Feedback, ForgeAction } from './review.js';
import type { DependencyView } from './dependencies.js';

export type Outcome = NonNullable<AgentTaskStatus['outcome']>;


/** The change the task's branch has on the forge, as the controller last read it. */
export interface ChangeObservation {
  url: string;
  /** The forge's id of the change: the PR number as text, or the Radicle patch id. */
  id: string;
  number?: number;
  state: 'open' | 'closed' | 'merged';
  headSha?: string;
  /** Commit statuses / checks of the head (read in Reviewing). */
  checks?: FailingCheck[];
}

export interface AgentTaskObservation {
  task: AgentTask;
  now: Date;
  /** The owned Workload of the current attempt (status.workload), when the cache has it. */
  workload?: Workload;
  /** The runner's report from the finished pod of the current attempt. */
  result?: RunnerResult;
  /** The pod's own words when it ended without a report (reason, message, exit code). */
  podEnd?: string;
  /** The gateway refused a request because `spec.budget` is spent. */
  budgetExceeded?: string;
  /** The LLM upstream still failed after the gateway's retries (the cause for InfraFailed). */
  upstreamFailure?: string;
  /** Usage counted by the gateway (status.usage shape). */
  usage?: AgentUsage;
  /** Whether the repository has a forge the operator can open changes on (false: file://, no token); read only when a branch was pushed or a change is in review. */
  forge: boolean;
  /** The change of the branch, when one was opened/read this pass (undefined: not asked). */
  change?: ChangeObservation;
  /** Why opening or reading the change failed (the forge's typed error). */
  changeError?: string;
  /** New review comments from writers (read in Reviewing while no iteration runs). */
  feedback?: Feedback;
  /** The tasks of spec.dependsOn as the cache has them (undefined: not there). */
  dependencies?: Array<DependencyView | undefined>;
  /** Set when spec.concurrency's group is full (read only before the first attempt). */
  concurrency?: { reason: 'ConcurrencyLimit'; message: string };
}

export type AgentTaskAction =
  | { type: 'ensureIdentity' }
  | { type: 'createWorkload'; attempt: number; diagnostics?: string; deadlineSeconds?: number }
  | { type: 'deleteWorkload'; name: string }
  | { type: 'openChange'; branch: string; headSha: string }
  | ForgeAction;

export interface AgentTaskPlan {
  actions: AgentTaskAction[];
  status?: AgentTaskStatus;
  events: Array<{ type: 'Normal' | 'Warning'; reason: string; message: string }>;
  requeueAfterMs?: number;
}

