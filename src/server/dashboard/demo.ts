import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HttpMethod, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { issueCertificate } from '../../cluster/pki.js';
import { ensureOperatorCA } from '../../pki/ca-store.js';
import { resourcePath, RestClient, type ResourceType } from '../../runtime/index.js';

import { CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, SERVICE_ACCOUNTS as SA } from '../../api/resources.js';

const WEFT_RESOURCES = ['meshnodes', 'orgclusters', 'workloads', 'agenttasks', 'jobs'];
const labels = { 'app.kubernetes.io/part-of': 'weft', 'app.kubernetes.io/component': 'dashboard-demo' };

/** The demo users' roles: a viewer reads the Weft resources; an admin also cordons nodes and creates and deletes workloads. */
// orgclusters/pods is virtual: GET /api/v1/pods lists the OrgClusters' pods with it.
const VIEW_RULES = [
  { apiGroups: ['weft.dev'], resources: WEFT_RESOURCES, verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['weft.dev'], resources: ['orgclusters/pods'], verbs: ['get', 'list'] },
];

export const DEMO_ROLES = {
  'weft-demo-viewer': VIEW_RULES,
  'weft-demo-admin': [
    ...VIEW_RULES,
    { apiGroups: ['weft.dev'], resources: ['meshnodes'], verbs: ['patch', 'update'] },
    // create: POST /api/v1/schedule places (creates) Workloads.
    { apiGroups: ['weft.dev'], resources: ['workloads'], verbs: ['create', 'delete'] },
  ],
} as const;

export type DemoUser = keyof typeof DEMO_ROLES;

/** Applies an object with server-side apply (created or brought up to date). */
async function apply(rest: RestClient, t: ResourceType, obj: KubernetesObject): Promise<void> {
  await rest.patch(t, { name: obj.metadata!.name!, namespace: obj.metadata!.namespace }, { apiVersion: t.group ? `${t.group}/${t.version}` : t.version, kind: t.kind, ...obj }, { type: 'apply', fieldManager: 'weft-up', force: true });
}

/**
 * Creates a ServiceAccount bound to a ClusterRole for each demo user (`weft-demo-viewer`,
 * `weft-demo-admin`) in `namespace`, and returns a fresh token for each (TokenRequest, valid
 * `hours`). `weft up` prints them so that anyone can sign in to the dashboard at once.
 */
export async function demoDashboardTokens(kc: KubeConfig, namespace: string, hours = 24): Promise<Record<DemoUser, string>> {
  const rest = new RestClient(kc);
  const tokens = {} as Record<DemoUser, string>;
  for (const [name, rules] of Object.entries(DEMO_ROLES) as Array<[DemoUser, (typeof DEMO_ROLES)[DemoUser]]>) {
    await apply(rest, CLUSTER_ROLES, { metadata: { name, labels }, rules } as KubernetesObject);
    await apply(rest, SA, { metadata: { name, namespace, labels } });
    await apply(rest, CLUSTER_ROLE_BINDINGS, {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    } as KubernetesObject);
    const tr = await rest.request<{ status?: { token?: string } }>(HttpMethod.POST, resourcePath(SA, namespace, name, 'token'), {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: hours * 3600 } },
    });
    if (!tr.status?.token) throw new Error(`TokenRequest for ServiceAccount ${namespace}/${name} returned no token`);
    tokens[name] = tr.status.token;
  }
  return tokens;
}

/** What `weft up` prints so that anyone can sign in to the dashboard. */
export interface DemoDashboardAccess {
  tokens: Record<DemoUser, string>;
  /** Over HTTPS: a client certificate from the operator CA for the browser (PEM, and PKCS#12 when openssl is there). */
  browserCertificate?: { cert: string; key: string; p12?: string; p12Password?: string; ca: string };
}

/**
 * Demo users with tokens and, when the operator serves HTTPS (mTLS), a browser client certificate
 * from the operator CA written under `certDir` (PEM, plus `dashboard.p12` with password "weft" when
 * the openssl CLI is installed, for importing into a browser).
 */
export async function demoDashboardAccess(kc: KubeConfig, namespace: string, certDir?: string): Promise<DemoDashboardAccess> {
  const tokens = await demoDashboardTokens(kc, namespace);
  if (!certDir) return { tokens };
  const ca = await ensureOperatorCA(kc, namespace);
  // Who the user is comes from the token they sign in with. The certificate opens the TLS connection
  // and, for the tailnet ACL, names the device the browser runs on: alice's laptop in the demo
  // tailnet, which the demo policy lets write to the operator's API port (8080).
  const pair = await issueCertificate(ca, { commonName: 'laptop', organizations: ['weft:dashboard'], usage: 'client', validDays: 30 });
  await mkdir(certDir, { recursive: true });
  const file = (n: string) => join(certDir, n);
  await writeFile(file('dashboard.crt'), pair.certPem);
  await writeFile(file('dashboard.key'), pair.keyPem, { mode: 0o600 });
  await writeFile(file('ca.crt'), ca.certPem);
  const browserCertificate: DemoDashboardAccess['browserCertificate'] = { cert: file('dashboard.crt'), key: file('dashboard.key'), ca: file('ca.crt') };
  try {
    await promisify(execFile)('openssl', ['pkcs12', '-export', '-in', file('dashboard.crt'), '-inkey', file('dashboard.key'), '-certfile', file('ca.crt'), '-name', 'Weft dashboard', '-out', file('dashboard.p12'), '-passout', 'pass:weft'], { timeout: 10_000 });
    Object.assign(browserCertificate, { p12: file('dashboard.p12'), p12Password: 'weft' });
  } catch {
    // No openssl: the PEM files are printed instead (docs/dashboard.md shows how to convert them).
  }
  return { tokens, browserCertificate };
}

/** The lines `weft up` prints about the dashboard: URL, how to sign in, the demo tokens. */
export function dashboardBanner(url: string, a: DemoDashboardAccess): string[] {
  const c = a.browserCertificate;
  return [
    `  dashboard      ${url}/  (sign in with one of these tokens; valid 24 h)`,
    `    viewer       ${a.tokens['weft-demo-viewer']}`,
    `    admin        ${a.tokens['weft-demo-admin']}`,
    ...(c
      ? [
          c.p12
            ? `    mTLS: import ${c.p12} (password "${c.p12Password}") into your browser and trust ${c.ca}`
            : `    mTLS: give your browser the client certificate ${c.cert} (key ${c.key}) and trust ${c.ca}`,
          `    curl --cacert ${c.ca} --cert ${c.cert} --key ${c.key} -H "Authorization: Bearer <token>" ${url}/api/v1/nodes`,
        ]
      : [`    curl -H "Authorization: Bearer <token>" ${url}/api/v1/nodes`]),
  ];
}
