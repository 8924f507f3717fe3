import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AgentTask } from '../../../api/agenttask/index.js';
import type { AgentTokenVerifier } from '../authenticate.js';
import type { TaskKey } from '../identity.js';
import type { GitGatewayMetrics } from './metrics.js';
import type { MirrorStore, UpstreamRepo } from './mirror.js';

/** What the git gateway needs from the operator. */
export interface GitGatewayDeps {
  /** Verifies an agent's token (TokenReview, audience `weft`): the LLM gateway's {@link TokenVerifier}. */
  verifier: AgentTokenVerifier;
  /** The AgentTask (e.g. from the informer cache), or undefined when it does not exist. */
  loadTask: (task: TaskKey) => Promise<AgentTask | undefined>;
  /** The task's real repository and token ({@link upstreamFromSecret}); throws a GatewayError when unusable. */
  loadUpstream: (task: AgentTask) => Promise<UpstreamRepo>;
  /** Directory of the per-task bare mirrors (default `<os tmpdir>/weft-git-mirrors`). */
  mirrorDir?: string;
  /**
   * Whether the agent may force-push (non-fast-forward) `weft/<task>` (default false: a reviewer's
   * commits on the branch are never dropped; the agent rebases on what it fetched).
   */
  allowForcePush?: boolean;
  /** Largest push body accepted (default 512 MiB). */
  maxPushBytes?: number;
  /** Timeout of each fetch from and push to the forge (default 120 s). */
  upstreamTimeoutMs?: number;
  metrics?: Registry;
  log?: Logger;
}

/** Shared state of the routes. */
export interface GitCtx {
  deps: GitGatewayDeps;
  mirrors: MirrorStore;
  metrics: GitGatewayMetrics;
  log: Logger | undefined;
}

/** A request of a task, authenticated, with its mirror. */
export interface GitTarget {
  task: TaskKey;
  obj: AgentTask;
  upstream: UpstreamRepo;
  dir: string;
}

/** An error's message with the upstream token removed (git output never carries it, but be sure). */
export function errText(err: unknown, up: UpstreamRepo): string {
  const text = err instanceof Error ? err.message : String(err);
  return up.token && up.token.length >= 4 ? text.split(up.token).join('[redacted]') : text;
}

