/**
 * The agent gateway as the operator runs it: the LLM routes (and, when built, the git routes)
 * authenticated by TokenReview against the hub, tasks and endpoint Secrets read with the
 * operator's credentials, and the controller told about budgets, failures and usage.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RestClient } from '../runtime/rest.js';
import { endpointFromSecret, kubeSecretReader, kubeTaskLoader, kubeTokenReview } from './gateway/kube.js';
import { registerLlmGateway, type LlmGateway } from './gateway/routes.js';
import { TokenVerifier } from './gateway/token-cache.js';
import type { AgentSignals } from './signals.js';

export interface AgentGatewayOptions {
  rest: RestClient;
  signals: AgentSignals;
  metrics: Registry;
  log: Logger;
  transcriptDir?: string;
}

/** Registers the gateway routes on the operator's HTTP server; returns the LLM gateway (usage, flush). */
export function registerAgentGateway(app: FastifyInstance, o: AgentGatewayOptions): LlmGateway {
  const gw = registerLlmGateway(app, {
    verifier: new TokenVerifier({ review: kubeTokenReview(o.rest) }),
    loadTask: kubeTaskLoader(o.rest),
    loadEndpoint: endpointFromSecret(kubeSecretReader(o.rest)),
    transcriptDir: o.transcriptDir,
    metrics: o.metrics,
    log: o.log,
    events: o.signals,
  });
  o.signals.onRestore((task, usage) => gw.ledger.restore(task, usage));
  return gw;
}
