import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpMethod, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { chromium, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { parseOperatorConfig } from '../../src/config/operator.js';
import type { CONTROLLERS } from '../../src/operator/controllers.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { resourcePath, RestClient, type ResourceType } from '../../src/runtime/index.js';
import { testLogger, uniqueName } from '../harness/index.js';

/** Shared by the dashboard's integration and browser tests. */

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Debian's Chromium driven by playwright-core, with a fresh profile (user-data-dir) in a temp dir.
 * Fails (never skips) when Chromium is missing, saying how to install it.
 */
export async function launchChromium(opts: BrowserContextOptions = {}): Promise<{ ctx: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the dashboard's browser tests need it. Install it with \`apt-get install -y chromium\` (or run \`npm run deps\`, which does).`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'weft-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, ...opts });
  return {
    ctx,
    async close() {
      await ctx.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the operator in this process against the test control plane (no leader election). Its log
 * goes to a ring buffer that a failed test dumps (test/harness/diagnostics.ts).
 */
export async function startOperator(o: { kubeconfig: string; namespace: string; httpTls?: boolean; controllers?: typeof CONTROLLERS; artifactStore?: string }): Promise<RunningOperator> {
  const cfg = parseOperatorConfig({ kubeconfig: o.kubeconfig, httpAddr: '127.0.0.1:0', namespace: o.namespace, leaderElect: false, httpTls: o.httpTls ?? false, logLevel: 'warn', ...(o.artifactStore ? { artifactStore: o.artifactStore } : {}) }, {});
  const op = await runOperator(cfg, testLogger(`operator (namespace ${o.namespace}${o.httpTls ? ', https' : ''})`), { controllers: o.controllers ?? [] });
  await op.mgr.waitForSync();
  return op;
}

const SA: ResourceType = { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true };
const ROLES = { cluster: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false }, ns: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true } } as const;
const BINDINGS = { cluster: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false }, ns: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true } } as const;

export type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
export const VIEWER_RULES: Rule[] = [
  { apiGroups: ['weft.dev'], resources: ['meshnodes', 'orgclusters', 'workloads'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['weft.dev'], resources: ['orgclusters/pods'], verbs: ['list'] },
];
export const ADMIN_RULES: Rule[] = [...VIEWER_RULES, { apiGroups: ['weft.dev'], resources: ['meshnodes'], verbs: ['patch'] }, { apiGroups: ['weft.dev'], resources: ['workloads'], verbs: ['delete'] }];

/**
 * A ServiceAccount in `namespace` with real RBAC: `cluster` rules through a ClusterRole(Binding) and
 * `namespaced` rules through a Role(Binding) per namespace; returns a TokenRequest token for it.
 */
export async function userWithRbac(kc: KubeConfig, namespace: string, prefix: string, rbac: { cluster?: Rule[]; namespaced?: Record<string, Rule[]> } = {}): Promise<{ name: string; token: string; username: string }> {
  const rest = new RestClient(kc);
  const name = uniqueName(prefix);
  await rest.create(SA, { metadata: { name, namespace } });
  const subjects = [{ kind: 'ServiceAccount', name, namespace }];
  if (rbac.cluster) {
    await rest.create(ROLES.cluster, { metadata: { name }, rules: rbac.cluster } as KubernetesObject);
    await rest.create(BINDINGS.cluster, { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects } as KubernetesObject);
  }
  for (const [ns, rules] of Object.entries(rbac.namespaced ?? {})) {
    await rest.create(ROLES.ns, { metadata: { name, namespace: ns }, rules } as KubernetesObject);
    await rest.create(BINDINGS.ns, { metadata: { name, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects } as KubernetesObject);
  }
  const tr = await rest.request<{ status: { token: string } }>(HttpMethod.POST, resourcePath(SA, namespace, name, 'token'), { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } });
  return { name, token: tr.status.token, username: `system:serviceaccount:${namespace}:${name}` };
}

/** Removes the cluster-scoped RBAC objects userWithRbac created (namespaced ones go with the namespace). */
export async function deleteClusterRbac(kc: KubeConfig, names: string[]): Promise<void> {
  const rest = new RestClient(kc);
  for (const n of names) {
    await rest.request(HttpMethod.DELETE, resourcePath(BINDINGS.cluster, undefined, n)).catch(() => undefined);
    await rest.request(HttpMethod.DELETE, resourcePath(ROLES.cluster, undefined, n)).catch(() => undefined);
  }
}

export interface Reply {
  status: number;
  body: Record<string, unknown> & { message?: string };
}

/** One HTTP(S) call; `tls` adds the CA and an optional client certificate. Network errors reject. */
export async function call(url: string, o: { method?: string; token?: string; tls?: { ca: string; cert?: string; key?: string } } = {}): Promise<Reply> {
  const headers: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  if (!o.tls) {
    const res = await fetch(url, { method: o.method ?? 'GET', headers });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Reply['body']) : {} };
  }
  const tls = o.tls;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers, ca: tls.ca, cert: tls.cert, key: tls.key, agent: false }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b ? (JSON.parse(b) as Reply['body']) : {} }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens `url` in a new tab (its own sessionStorage, so signed out) and signs in with `token`. */
export async function signIn(ctx: BrowserContext, url: string, token: string): Promise<Page> {
  const page = await ctx.newPage();
  page.setDefaultTimeout(60_000); // a shared 2-core machine can be slow
  await page.goto(url);
  await page.locator('textarea#token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user').waitFor();
  return page;
}
