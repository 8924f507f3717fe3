import { createHash } from 'node:crypto';

/** The audience agent pods' projected tokens carry, and the one TokenReview asks for. */
export const GATEWAY_AUDIENCE = 'weft';

/** The task a gateway route (LLM or git) is for. */
export interface TaskKey {
  namespace: string;
  name: string;
}

/** Who a verified token belongs to. */
export interface TokenIdentity {
  namespace: string;
  serviceAccount: string;
  /** The pod the token is bound to (projected tokens), when the apiserver reports it. */
  podName?: string;
}

/** The relevant part of a TokenReview's status. */
export interface TokenReviewStatus {
  authenticated?: boolean;
  error?: string;
  audiences?: string[];
  user?: { username?: string; uid?: string; extra?: Record<string, string[]> };
}

const SA_PREFIX = 'system:serviceaccount:';
const MAX_NAME = 253;

/**
 * The ServiceAccount the agent pods of AgentTask `task` run as, in the task's namespace:
 * `weft-task-<task>`. This is the one place the binding of a token to a task is defined: the
 * gateway serves a task's routes only to tokens of this ServiceAccount (the controller creates it,
 * owned by the task, so a re-created task gets a new ServiceAccount and old tokens stop verifying).
 * Names that would exceed 253 characters are cut and suffixed with a hash of the full name.
 * @example taskServiceAccountName('fix-login') // 'weft-task-fix-login'
 */
export function taskServiceAccountName(task: string): string {
  return boundServiceAccountName('weft-task-', task);
}

/**
 * The ServiceAccount the pods of Job `job` run as, in the job's namespace: `weft-job-<job>`, the
 * Job counterpart of {@link taskServiceAccountName} (same length rule). The operator's artifact
 * upload route accepts a Job's uploads only from tokens of this ServiceAccount.
 * @example jobServiceAccountName('build-1') // 'weft-job-build-1'
 */
export function jobServiceAccountName(job: string): string {
  return boundServiceAccountName('weft-job-', job);
}

function boundServiceAccountName(prefix: string, owner: string): string {
  const full = `${prefix}${owner}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(owner).digest('hex').slice(0, 10);
  return `${full.slice(0, MAX_NAME - 11).replace(/[-.]+$/, '')}-${hash}`;
}

/** The identity in a successful TokenReview, or undefined when it is not a ServiceAccount's token. */
export function identityOf(status: TokenReviewStatus): TokenIdentity | undefined {
  const username = status.user?.username ?? '';
  if (!status.authenticated || !username.startsWith(SA_PREFIX)) return undefined;
  const [namespace, serviceAccount, ...rest] = username.slice(SA_PREFIX.length).split(':');
  if (!namespace || !serviceAccount || rest.length > 0) return undefined;
  const podName = status.user?.extra?.['authentication.kubernetes.io/pod-name']?.[0];
  return { namespace, serviceAccount, ...(podName ? { podName } : {}) };
}

/**
 * Why `identity` may not use task `task`'s routes, or undefined when it may: the token must be
 * the task's own ServiceAccount's ({@link taskServiceAccountName}) in the task's namespace.
 * `routes` names the routes in the message (`LLM`, `git`).
 */
export function bindingProblem(identity: TokenIdentity, task: TaskKey, routes = 'LLM'): string | undefined {
  const want = taskServiceAccountName(task.name);
  if (identity.namespace === task.namespace && identity.serviceAccount === want) return undefined;
  return `the token of ServiceAccount ${identity.namespace}/${identity.serviceAccount} may not use the ${routes} routes of AgentTask ${task.namespace}/${task.name} (only ${task.namespace}/${want} may)`;
}

/** The bearer token of a request: `Authorization: Bearer …` (OpenAI clients) or `x-api-key` (Anthropic clients). */
export function bearerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  const a = Array.isArray(auth) ? auth[0] : auth;
  const m = a ? /^Bearer\s+(\S+)\s*$/i.exec(a) : null;
  if (m) return m[1];
  const k = headers['x-api-key'];
  const key = Array.isArray(k) ? k[0] : k;
  return key ? key.trim() || undefined : undefined;
}
