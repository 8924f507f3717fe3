/**
 * What the control-plane benchmarks share: a bounded pool, a pod-binding watch, the operator's
 * deployed identity, and a fake mesh (KWOK Nodes that are also Ready MeshNodes, carried by
 * OrgClusters that point back at the same control plane).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { createFakeNodes } from '../src/cluster/kwok.js';
import type { LocalControlPlane } from '../src/cluster/local.js';
import { CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, MESHNODES, ORGCLUSTERS, PODS, SECRETS, SERVICE_ACCOUNTS } from '../src/api/resources.js';
import { resourcePath, RestClient } from '../src/runtime/index.js';
import { Informer } from '../src/runtime/informer.js';
import type { KubeAccess } from '../src/runtime/kubeconfig.js';
import { ensureNamespace } from '../src/cluster/crds.js';
import { packageRoot } from '../src/version.js';

/** Runs `fn(i)` for i < n with at most `c` in flight. */
export async function pool(n: number, c: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** The p-th percentile (nearest rank) of `xs`. */
export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** A figure with sensible digits. */
export const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(2));

/**
 * Watches the pods of `namespace` and resolves with the time the `n`th of them was seen bound to a
 * node (a watch, not polling: listing 1,000 pods ten times a second would load the apiserver).
 */
export async function bound(kc: KubeAccess, namespace: string, n: number, deadlineMs: number): Promise<{ done: Promise<number>; stop: () => Promise<void> }> {
  const pods = new Informer<V1Pod>(kc, PODS, { namespace });
  const seen = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<number>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`only ${seen.size} of ${n} pods in ${namespace} bound after ${deadlineMs} ms`)), deadlineMs);
    pods.on((event, pod) => {
      if (event === 'delete' || !pod.spec?.nodeName || seen.has(pod.metadata!.name!)) return;
      seen.add(pod.metadata!.name!);
      if (seen.size === n) resolve(performance.now());
    });
  }).finally(() => clearTimeout(timer));
  await pods.start();
  return { done, stop: () => pods.stop() };
}

/**
 * The operator's identity as deployed: the `weft-operator` ServiceAccount with the ClusterRole and
 * binding from `config/rbac`, and a bearer token (TokenRequest), not the admin client certificate.
 * Returns the kubeconfig's text.
 */
export async function operatorKubeconfig(cp: LocalControlPlane, rest: RestClient): Promise<string> {
  for (const file of ['role.yaml', 'role_binding.yaml']) {
    for (const doc of parseAllDocuments(await readFile(join(packageRoot(), 'config', 'rbac', file), 'utf8'))) {
      const obj = doc.toJS() as KubernetesObject;
      await rest.create(obj.kind === 'ClusterRole' ? CLUSTER_ROLES : CLUSTER_ROLE_BINDINGS, obj);
    }
  }
  await rest.create(SERVICE_ACCOUNTS, { metadata: { name: 'weft-operator', namespace: 'weft-system' } });
  const tr = await rest.request<{ status?: { token?: string } }>('POST', resourcePath(SERVICE_ACCOUNTS, 'weft-system', 'weft-operator', 'token'), {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  return cp.tokenKubeConfig(tr.status!.token!, 'system:serviceaccount:weft-system:weft-operator').exportConfig();
}

/**
 * `nodes` KWOK Nodes, the same hosts as Ready MeshNodes of `org`, and OrgClusters (at most 250
 * hosts each) in `namespace` pointing at this control plane with the operator's deployed identity,
 * whose kubeconfig is written to `<dir>/operator.kubeconfig`. Returns the node names.
 */
export async function fakeMesh(cp: LocalControlPlane, o: { nodes: number; org: string; namespace: string; dir: string; concurrency: number }): Promise<string[]> {
  const kc = cp.kubeConfig();
  const rest = new RestClient(kc);
  for (const ns of ['weft-system', o.namespace]) await ensureNamespace(kc, ns);
  const names = Array.from({ length: o.nodes }, (_, i) => `node-${String(i).padStart(4, '0')}`);
  await pool(Math.ceil(o.nodes / 50), 4, (b) => createFakeNodes(kc, names.slice(b * 50, b * 50 + 50).map((name) => ({ name, cpu: '32', memory: '128Gi', pods: '110' }))));
  const now = new Date().toISOString();
  await pool(o.nodes, o.concurrency, async (i) => {
    const name = names[i]!;
    const mn = await rest.create<KubernetesObject>(MESHNODES, { apiVersion: 'weft.dev/v1alpha1', kind: 'MeshNode', metadata: { name }, spec: { org: o.org, tags: [`zone:z${i % 4}`] } } as KubernetesObject);
    await rest.replace(MESHNODES, { ...mn, status: { capacity: { cpu: '32', memory: '128Gi' }, allocatable: { cpu: '32', memory: '128Gi' }, conditions: [{ type: 'Ready', status: 'True', reason: 'Bench', message: 'bench', lastTransitionTime: now }] } } as KubernetesObject, 'status');
  });
  // The operator and the OrgClusters' kubeconfig Secret use the operator's ServiceAccount token, as deployed.
  const opKubeconfig = await operatorKubeconfig(cp, rest);
  await writeFile(join(o.dir, 'operator.kubeconfig'), opKubeconfig, { mode: 0o600 });
  await rest.create(SECRETS, { metadata: { name: 'self', namespace: o.namespace }, stringData: { kubeconfig: opKubeconfig } } as KubernetesObject);
  for (let c = 0; c * 250 < o.nodes; c++) {
    const oc = await rest.create<KubernetesObject>(ORGCLUSTERS, { apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata: { name: `self-${c}`, namespace: o.namespace }, spec: { org: o.org, provider: 'kubeconfig', kubeconfigSecretRef: { name: 'self' }, hosts: names.slice(c * 250, c * 250 + 250) } } as KubernetesObject);
    await rest.replace(ORGCLUSTERS, { ...oc, status: { conditions: [{ type: 'Reachable', status: 'True', reason: 'Bench', message: 'bench', lastTransitionTime: now }, { type: 'Ready', status: 'True', reason: 'Bench', message: 'bench', lastTransitionTime: now }] } } as KubernetesObject, 'status');
  }
  return names;
}
