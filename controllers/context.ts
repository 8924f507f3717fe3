import type { Logger } from 'pino';
import type { MeshProvider } from '../src/mesh/provider.js';
import type { OperatorConfig } from '../src/config/operator.js';
import type { KubeAccess } from '../src/runtime/kubeconfig.js';
import type { Manager } from '../src/runtime/manager.js';
import type { SchedulingState } from '../src/placement/state.js';
import type { ClusterConnections } from '../src/cluster/connections.js';
import type { AgentSignals } from '../src/agents/signals.js';
import type { CodeServerCredentials } from '../src/agents/codeserver/credentials.js';

/**
 * What a controller's setup function gets from the composition root (`src/operator`): credentials,
 * the manager its watches and work queues register with, the configuration and a logger.
 */
export interface ControllerContext {
  kc: KubeAccess;
  mgr: Manager;
  cfg: OperatorConfig;
  log: Logger;
  /** The placement engine fed by the caches, shared by the controllers and POST /schedule. */
  scheduling?: SchedulingState;
  /** The one way to reach the OrgClusters' pods, shared with the dashboard and the read API. */
  connections?: ClusterConnections;
  /** The tailnet's provider when the mesh is on (`--mesh`): the MeshNode controller maps its devices. */
  mesh?: MeshProvider;
  /** What the agent gateway tells the AgentTask controller (budgets, upstream failures, usage). */
  agentSignals?: AgentSignals;
  /** code-server passwords for the sidecar of AgentTasks with spec.agent.codeServer (src/server/attach). */
  codeServer?: CodeServerCredentials;
}

/** Registers one controller (and its watches) with the manager; returns a cleanup function. */
export type ControllerSetup = (ctx: ControllerContext) => void | (() => Promise<void>);
