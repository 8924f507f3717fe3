import { stringify } from 'yaml';
import type { KeyPairPem } from './pki.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export interface KubeconfigOptions {
  server: string;
  caPem: string;
  user: string;
  /** Client certificate credentials, or a bearer token. */
  client: KeyPairPem | { token: string };
  clusterName?: string;
  contextName?: string;
  namespace?: string;
}

/** Renders a self-contained kubeconfig (certificates embedded) as YAML. */
export function renderKubeconfig(opts: KubeconfigOptions): string {
  const cluster = opts.clusterName ?? 'weft-local';
  const context = opts.contextName ?? `${opts.user}@${cluster}`;
  const user =
    'token' in opts.client
      ? { token: opts.client.token }
      : { 'client-certificate-data': b64(opts.client.certPem), 'client-key-data': b64(opts.client.keyPem) };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) } }],
    users: [{ name: opts.user, user }],
    contexts: [{ name: context, context: { cluster, user: opts.user, ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
    'current-context': context,
    preferences: {},
  });
}
