/**
 * The webhooks of Weft's kinds, one module per kind. Adding a kind means adding its file and one
 * line here; the server's routes and the webhook configurations follow from this list.
 */
import * as agenttask from './agenttask.js';
import * as job from './job.js';
import * as meshnode from './meshnode.js';
import * as orgcluster from './orgcluster.js';
import type { KindWebhook } from './types.js';
import type { FeatureGates, FeatureName } from '../src/config/features.js';
import * as workload from './workload.js';

export const WEBHOOKS: readonly KindWebhook[] = [workload, job, agenttask, orgcluster, meshnode];

/** The feature gate a kind's webhook needs (docs/feature-gates.md); ungated kinds are always served. */
export const WEBHOOK_GATES: Readonly<Partial<Record<KindWebhook['kind'], FeatureName>>> = { AgentTask: 'AgentTasks', Job: 'Jobs' };

/** The webhooks served and registered with these gates: a kind whose gate is off has none. */
export const enabledWebhooks = (gates: FeatureGates): readonly KindWebhook[] => WEBHOOKS.filter((w) => {
  const gate = WEBHOOK_GATES[w.kind];
  return gate === undefined || gates[gate];
});

/** The webhook of a kind, by its Kind name. */
export const webhookFor = (kind: string): KindWebhook | undefined => WEBHOOKS.find((w) => w.kind === kind);

/** The path segment of a kind: `weft-dev-v1alpha1-workload`, as kubebuilder names them. */
const segment = (w: KindWebhook) => `weft-dev-v1alpha1-${w.kind.toLowerCase()}`;
/** `POST` path of a kind's validating webhook. */
export const validatePath = (w: KindWebhook) => `/validate-${segment(w)}`;
/** `POST` path of a kind's mutating webhook. */
export const mutatePath = (w: KindWebhook) => `/mutate-${segment(w)}`;
