/**
 * The agent gateway as the operator runs it: the LLM routes and the git routes
 * authenticated by TokenReview against the hub, tasks and endpoint Secrets read with the
 * operator's credentials, and the controller told about budgets, failures and usage.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RestClient } from '../runtime/rest.js';
import { cachedSecretReader, cachedTaskLoader, endpointFromSecret, kubeSecretReader, kubeTaskLoader, kubeTokenReview, type TaskCache } from './gateway/kube.js';
import { registerLlmGateway, type LlmGateway } from './gateway/routes.js';
import { TokenVerifier } from './gateway/token-cache.js';
import { registerGitGateway } from './gateway/git/routes.js';
import { registerOtlpRelay } from './gateway/otlp.js';
import { upstreamFromSecret } from './gateway/git/credentials.js';
import type { AgentSignals } from './signals.js';
import type { RadicleForgeOptions } from '../forge/radicle.js';

export interface AgentGatewayOptions {
  rest: RestClient;
  /** The operator's AgentTask informer: tasks are read from its cache (else with a GET per call). */
  tasks?: TaskCache;
  signals: AgentSignals;
  metrics: Registry;
  log: Logger;
  transcriptDir?: string;
  /** Where the git gateway keeps its per-task mirrors (default under the OS temp dir). */
  mirrorDir?: string;
  /** The collector's traces URL the pods' step spans are relayed to (undefined: tracing off, spans dropped). */
  tracesUrl?: string | undefined;
  /** The operator's Radicle identity, for tasks whose repository is a Radicle id (`--radicle-home`). */
  radicle?: RadicleForgeOptions | undefined;
}

/** Registers the gateway routes on the operator's HTTP server; returns the LLM gateway (usage, flush). */
export function registerAgentGateway(app: FastifyInstance, o: AgentGatewayOptions): LlmGateway {
  const verifier = new TokenVerifier({ review: kubeTokenReview(o.rest) });
  // No apiserver request on an LLM or git call's path: tasks from the informer, Secrets reused for 10 s.
  const loadTask = o.tasks ? cachedTaskLoader(o.tasks, kubeTaskLoader(o.rest)) : kubeTaskLoader(o.rest);
  const secrets = cachedSecretReader(kubeSecretReader(o.rest));
  const gw = registerLlmGateway(app, {
    verifier,
    loadTask,
    loadEndpoint: endpointFromSecret(secrets),
    transcriptDir: o.transcriptDir,
    metrics: o.metrics,
    log: o.log,
    events: o.signals,
  });
  // The runner's step spans, relayed to the collector under the task's run trace (docs/observability.md).
  registerOtlpRelay(app, { verifier, loadTask, tracesUrl: o.tracesUrl, log: o.log.child({ component: 'otlp-relay' }) });
  const git = registerGitGateway(app, { verifier, loadTask, loadUpstream: upstreamFromSecret(secrets, o.radicle), mirrorDir: o.mirrorDir, metrics: o.metrics, log: o.log });
  // A deleted task's mirror goes with it (the controller forgets a task when it is gone).
  o.signals.onForget((key) => {
    const [namespace, name] = key.split('/') as [string, string];
    void git.mirrors.removeTask({ namespace, name }).catch((err: unknown) => o.log.warn({ err, task: key }, 'could not remove the git mirror of a deleted task'));
  });
  o.signals.onRestore((task, usage) => gw.ledger.restore(task, usage));
  o.signals.onFlushTranscripts(() => gw.flush());
  return gw;
}
