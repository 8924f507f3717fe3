/**
 * The ValidatingWebhookConfiguration and MutatingWebhookConfiguration that send Weft's kinds to the
 * operator: `failurePolicy: Fail` (no object skips policy because the operator is down),
 * `sideEffects: None`, a short timeout, and the operator CA as `caBundle`. Applied with server-side
 * apply, so re-registering is a no-op and a CA change updates the bundle in place.
 */
import { WEFT_GROUP, WEFT_VERSION } from '../src/api/resources.js';
import { mutatePath, validatePath, WEBHOOKS } from './index.js';
import type { KindWebhook } from './types.js';
import { isNotFound } from '../src/runtime/errors.js';
import type { ResourceType, RestClient } from '../src/runtime/rest.js';

export const VALIDATING_WEBHOOKS: ResourceType = { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', namespaced: false };
export const MUTATING_WEBHOOKS: ResourceType = { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false };


/** How the apiserver reaches the webhook server: a URL (out-of-cluster operator) or a Service. */
export type WebhookEndpoint = { url: string } | { service: { namespace: string; name: string; port?: number } };

export interface WebhookRegistration {
  /** Name of both configurations (default `weft`). */
  name?: string;
  endpoint: WebhookEndpoint;
  caPem: string;
  timeoutSeconds?: number;
  /** Restrict to namespaces matching this selector (namespaced kinds only; tests use it). */
  namespaceSelector?: { matchLabels?: Record<string, string> };
  /** The kinds to register (default: every kind); a kind whose feature gate is off is left out. */
  hooks?: readonly KindWebhook[];
  /** Restrict to objects matching this selector (`--shard`). */
  objectSelector?: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
}

type Kind = 'validating' | 'mutating';

/** The webhook configuration objects (pure, for tests and `kubectl apply`). */
export function webhookConfigurations(r: WebhookRegistration): Array<{ type: ResourceType; body: Record<string, unknown> }> {
  const name = r.name ?? 'weft';
  const clientConfig = (path: string) =>
    'url' in r.endpoint
      ? { url: `${r.endpoint.url.replace(/\/$/, '')}${path}`, caBundle: Buffer.from(r.caPem).toString('base64') }
      : { service: { namespace: r.endpoint.service.namespace, name: r.endpoint.service.name, port: r.endpoint.service.port ?? 443, path }, caBundle: Buffer.from(r.caPem).toString('base64') };
  const hooks = (kind: Kind) =>
    (r.hooks ?? WEBHOOKS).map((hook) => ({
      name: `${hook.plural}.${kind === 'validating' ? 'validate' : 'mutate'}.${WEFT_GROUP}`,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      timeoutSeconds: r.timeoutSeconds ?? 5,
      clientConfig: clientConfig(kind === 'validating' ? validatePath(hook) : mutatePath(hook)),
      rules: [{ apiGroups: [WEFT_GROUP], apiVersions: [WEFT_VERSION], operations: ['CREATE', 'UPDATE'], resources: [hook.plural], scope: '*' }],
      ...(r.namespaceSelector && hook.namespaced ? { namespaceSelector: r.namespaceSelector } : {}),
      ...(r.objectSelector ? { objectSelector: r.objectSelector } : {}),
      ...(kind === 'mutating' ? { reinvocationPolicy: 'Never' } : {}),
    }));
  const labels = { 'app.kubernetes.io/part-of': 'weft', 'app.kubernetes.io/component': 'admission' };
  return [
    { type: MUTATING_WEBHOOKS, body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name, labels }, webhooks: hooks('mutating') } },
    { type: VALIDATING_WEBHOOKS, body: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name, labels }, webhooks: hooks('validating') } },
  ];
}

/** Creates or updates both configurations. */
export async function registerWebhooks(rest: RestClient, r: WebhookRegistration): Promise<void> {
  for (const { type, body } of webhookConfigurations(r)) {
    const name = (body.metadata as { name: string }).name;
    await rest.patch(type, { name }, body, { type: 'apply', fieldManager: 'weft-operator', force: true });
  }
}

/** Deletes both configurations (tests, `weft down`); missing ones are fine. */
export async function unregisterWebhooks(rest: RestClient, name = 'weft'): Promise<void> {
  for (const type of [VALIDATING_WEBHOOKS, MUTATING_WEBHOOKS]) {
    await rest.delete(type, name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
