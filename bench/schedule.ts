/**
 * `npm run bench:schedule`: the scheduling issue's three figures.
 *
 *  (a) in-process placement: 10,000 Workloads over 5,000 MeshNodes in 50 OrgClusters (bench/schedule-placement.ts);
 *  (b) end to end on a local control plane with 1,000 KWOK nodes: Workloads/s from create to pod
 *      bound (Weft's Workload controller) next to Pods/s from create to bound by the real
 *      kube-scheduler built from the same Kubernetes module, in the same run, same client, same
 *      concurrency;
 *  (c) admission webhook latency p50/p99 at 200 requests/s over HTTPS.
 *
 * Options (env): BENCH_NODES (1000), BENCH_OBJECTS (1000), BENCH_CONCURRENCY (50), BENCH_ROUNDS (3),
 * BENCH_PARTS (abc), BENCH_WEBHOOKS (1).
 * Everything runs on loopback and stops by itself.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createCA } from '../src/cluster/pki.js';
import { applyCrds, ensureNamespace, readCrds } from '../src/cluster/crds.js';
import { createFakeNodes } from '../src/cluster/kwok.js';
import { LocalControlPlane } from '../src/cluster/local.js';
import { freePorts } from '../src/cluster/ports.js';
import { startProcess, waitReady } from '../src/cluster/process.js';
import { toolPath } from '../src/cluster/tools.js';
import { CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, MESHNODES, ORGCLUSTERS, PODS, SECRETS, SERVICE_ACCOUNTS, WORKLOADS } from '../src/api/resources.js';
import { parseWeftPolicy } from '../src/policy/weft-policy.js';
import { resourcePath, RestClient, type ResourceType } from '../src/runtime/index.js';
import { parseAllDocuments } from 'yaml';
import { Informer } from '../src/runtime/informer.js';
import type { KubeAccess } from '../src/runtime/kubeconfig.js';
import { UsageLedger } from '../src/policy/quota.js';
import { mutatePath, validatePath, webhookFor } from '../webhooks/index.js';
import { mutateAdmission, validateAdmission } from '../webhooks/review.js';
import { startWebhookServer } from '../webhooks/server.js';
import { MUTATING_WEBHOOKS } from '../webhooks/register.js';
import { packageRoot } from '../src/version.js';
import { benchPlacement } from './schedule-placement.js';

const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
const NODES = Number(process.env.BENCH_NODES ?? 1000);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const PARTS = process.env.BENCH_PARTS ?? 'abc';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));

/** Runs `fn(i)` for i < n with at most `c` in flight. */
async function pool(n: number, c: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(c, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}

/**
 * Watches the pods of `namespace` and resolves with the time the `n`th of them was seen bound to a
 * node (a watch, not polling: listing 1,000 pods ten times a second would load the apiserver that
 * both sides share).
 */
async function bound(kc: KubeAccess, namespace: string, n: number, deadlineMs: number): Promise<{ done: Promise<number>; stop: () => Promise<void> }> {
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

/** A state every object should reach: the test, and how the timeout message names it. */
interface Goal<T> {
  done: (o: T) => boolean;
  what: string;
}

/** Polls (outside the measured time) until every `type` object in `namespace` passes `goal.done`. */
async function untilAll<T extends KubernetesObject>(rest: RestClient, type: ResourceType, namespace: string, goal: Goal<T>): Promise<void> {
  const end = performance.now() + 120_000;
  while ((await rest.list<T>(type, { namespace })).items.some((o) => !goal.done(o))) {
    if (performance.now() > end) throw new Error(`${type.plural} in ${namespace}: not all ${goal.what} after 120 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** KWOK has started every pod of `namespace`: the next round does not share the machine with this one's tail. */
const settle = (rest: RestClient, namespace: string) => untilAll<V1Pod & KubernetesObject>(rest, PODS, namespace, { done: (p) => p.status?.phase === 'Running', what: 'Running (is KWOK running?)' });
/** Every Workload of `namespace` records its pod (the held-back status writes have landed). */
const placed = (rest: RestClient, namespace: string) => untilAll<KubernetesObject & { status?: { podRef?: unknown } }>(rest, WORKLOADS, namespace, { done: (w) => Boolean(w.status?.podRef), what: 'with status.podRef' });

/** The bench's Workload: 100m and 128Mi, like the kube-scheduler side's pods. */
const benchWorkload = (namespace: string, i: number) =>
  ({ apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { name: `w-${i}`, namespace }, spec: { org: 'bench', resources: { cpu: '100m', memory: '128Mi' }, template: { spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'main', image: 'busybox' }] } } } }) as KubernetesObject;

/** GET a self-signed loopback health endpoint (kube-scheduler's serving cert is its own). */
function insecureOk(u: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(u, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * The operator's identity as deployed: the `weft-operator` ServiceAccount with the ClusterRole and
 * binding from `config/rbac`, and a bearer token (TokenRequest), not the admin client certificate.
 * Returns the kubeconfig's text.
 */
async function operatorKubeconfig(cp: LocalControlPlane, rest: RestClient): Promise<string> {
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

async function partA(): Promise<void> {
  const r = await benchPlacement({ workloads: 10_000, nodes: 5_000, clusters: 50 });
  console.log(`(a) in-process placement, 10,000 Workloads over 5,000 MeshNodes in 50 OrgClusters:`);
  console.log(`    ${fmt(r.decisionsPerSec)} decisions/s; p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms; ${r.placed} placed, ${r.pending} pending   [goal ≥ 5,000/s]`);
}

async function partB(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-schedule-'));
  const cp = await LocalControlPlane.start({ dir: join(dir, 'cp'), kwok: true });
  const kc = cp.kubeConfig();
  const rest = new RestClient(kc);
  let scheduler: Awaited<ReturnType<typeof startProcess>> | undefined;
  let op: { proc: Awaited<ReturnType<typeof startProcess>>; url: string } | undefined;
  try {
    await applyCrds(kc, await readCrds(join(packageRoot(), 'crds')));
    for (const ns of ['weft-system', 'bench-weft']) await ensureNamespace(kc, ns);
    const names = Array.from({ length: NODES }, (_, i) => `node-${String(i).padStart(4, '0')}`);
    console.log(`(b) end to end, ${NODES} KWOK nodes, ${OBJECTS} objects created ${CONCURRENCY} at a time:`);
    const t0 = performance.now();
    await pool(Math.ceil(NODES / 50), 4, (b) => createFakeNodes(kc, names.slice(b * 50, b * 50 + 50).map((name) => ({ name, cpu: '32', memory: '128Gi', pods: '110' }))));
    // The same hosts as MeshNodes, Ready, and one OrgCluster (this control plane) carrying them all.
    const now = new Date().toISOString();
    await pool(NODES, CONCURRENCY, async (i) => {
      const name = names[i]!;
      const mn = await rest.create<KubernetesObject>(MESHNODES, { apiVersion: 'weft.dev/v1alpha1', kind: 'MeshNode', metadata: { name }, spec: { org: 'bench', tags: [`zone:z${i % 4}`] } } as KubernetesObject);
      await rest.replace(MESHNODES, { ...mn, status: { capacity: { cpu: '32', memory: '128Gi' }, allocatable: { cpu: '32', memory: '128Gi' }, conditions: [{ type: 'Ready', status: 'True', reason: 'Bench', message: 'bench', lastTransitionTime: now }] } } as KubernetesObject, 'status');
    });
    // The operator and the OrgClusters' kubeconfig Secret use the operator's ServiceAccount token, as deployed.
    const opKubeconfig = await operatorKubeconfig(cp, rest);
    await writeFile(join(dir, 'operator.kubeconfig'), opKubeconfig, { mode: 0o600 });
    await rest.create(SECRETS, { metadata: { name: 'self', namespace: 'bench-weft' }, stringData: { kubeconfig: opKubeconfig } } as KubernetesObject);
    // OrgClusters carry at most 256 hosts: the nodes are split over clusters of 250, all this control plane.
    for (let c = 0; c * 250 < NODES; c++) {
      const oc = await rest.create<KubernetesObject>(ORGCLUSTERS, { apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata: { name: `self-${c}`, namespace: 'bench-weft' }, spec: { org: 'bench', provider: 'kubeconfig', kubeconfigSecretRef: { name: 'self' }, hosts: names.slice(c * 250, c * 250 + 250) } } as KubernetesObject);
      await rest.replace(ORGCLUSTERS, { ...oc, status: { conditions: [{ type: 'Reachable', status: 'True', reason: 'Bench', message: 'bench', lastTransitionTime: now }, { type: 'Ready', status: 'True', reason: 'Bench', message: 'bench', lastTransitionTime: now }] } } as KubernetesObject, 'status');
    }
    console.log(`    setup: ${NODES} Nodes + MeshNodes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Nodes created without kube-controller-manager keep the not-ready taint the apiserver adds at
    // creation: both sides' pods tolerate every taint (KWOK's included).
    // kube-scheduler, built from the same module, with its client rate limit raised so that it is not the bottleneck.
    await writeFile(join(dir, 'scheduler.yaml'), `apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nclientConnection:\n  kubeconfig: ${cp.kubeconfigPath}\n  qps: 1000\n  burst: 2000\nleaderElection:\n  leaderElect: false\n`);
    // As deployed: admission webhooks on (every Workload creation is validated and mutated);
    // BENCH_WEBHOOKS=0 leaves them out, as the kube-scheduler side has none.
    const hooks = process.env.BENCH_WEBHOOKS !== '0';
    // The operator runs as its own process, as deployed (and as the kube-scheduler runs), with only
    // the Workload controller (`--controllers workload`): the MeshNode and OrgCluster controllers
    // would also be writing the MeshNodes and OrgClusters the bench set up by hand.
    const startOperator = async () => {
      const [httpPort, hookPort] = (await freePorts(2)) as [number, number];
      const args = [join(packageRoot(), 'bin', 'weft.js'), 'operator', '--kubeconfig', join(dir, 'operator.kubeconfig'), '--http-addr', `127.0.0.1:${httpPort}`, '--namespace', 'weft-system', '--no-leader-elect', '--controllers', 'workload', '--log-level', 'warn'];
      if (hooks) args.push('--webhook-addr', `127.0.0.1:${hookPort}`, '--webhook-url', 'auto');
      const proc = startProcess({ name: 'weft operator', command: process.execPath, args, logFile: join(dir, 'operator.log') });
      const url = `http://127.0.0.1:${httpPort}`;
      await waitReady(proc, 60_000, async () => {
        if (!(await fetch(`${url}/readyz`).then((r) => r.ok, () => false))) return false;
        if (!hooks) return true;
        const m = await rest.get<KubernetesObject & { webhooks?: Array<{ clientConfig?: { url?: string } }> }>(MUTATING_WEBHOOKS, 'weft').catch(() => undefined);
        return Boolean(m?.webhooks?.[0]?.clientConfig?.url?.includes(`:${hookPort}/`));
      });
      return { proc, url };
    };

    // Rounds alternate between the two sides on fresh namespaces; the kube-scheduler runs only in
    // its rounds, the operator throughout. The figure is the median round, so that one noisy
    // moment on a shared machine does not decide it.
    const kube: Array<{ rate: number; s: number; creating: number }> = [];
    const weft: Array<{ rate: number; s: number; creating: number }> = [];
    // The operator is long-lived, as deployed: started once, and warmed up (JIT, connections) by an
    // unmeasured batch before the first round.
    op = await startOperator();
    await ensureNamespace(kc, 'bench-warmup');
    await pool(200, CONCURRENCY, (i) => rest.create(WORKLOADS, benchWorkload('bench-warmup', i)));
    await placed(rest, 'bench-warmup');
    await settle(rest, 'bench-warmup');
    for (let round = 0; round < ROUNDS; round++) {
      const kns = `bench-kube-${round}`;
      const wns = `bench-weft-${round}`;
      await ensureNamespace(kc, kns);
      await ensureNamespace(kc, wns);

      const [port] = (await freePorts(1)) as [number];
      scheduler = startProcess({ name: 'kube-scheduler', command: toolPath('kube-scheduler'), args: [`--config=${join(dir, 'scheduler.yaml')}`, `--secure-port=${port}`, '--bind-address=127.0.0.1'], logFile: join(dir, `kube-scheduler-${round}.log`) });
      await waitReady(scheduler, 60_000, () => insecureOk(`https://127.0.0.1:${port}/healthz`));
      const kubeBound = await bound(kc, kns, OBJECTS, 300_000);
      const k0 = performance.now();
      await pool(OBJECTS, CONCURRENCY, (i) =>
        rest.create(PODS, { metadata: { name: `p-${i}`, namespace: kns }, spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] } } as KubernetesObject),
      );
      const kCreated = performance.now();
      const k1 = await kubeBound.done.finally(() => kubeBound.stop());
      kube.push({ rate: OBJECTS / ((k1 - k0) / 1000), s: (k1 - k0) / 1000, creating: (kCreated - k0) / 1000 });
      await scheduler.stop();
      scheduler = undefined;
      await settle(rest, kns);

      const weftBound = await bound(kc, wns, OBJECTS, 300_000);
      const w0 = performance.now();
      await pool(OBJECTS, CONCURRENCY, (i) => rest.create(WORKLOADS, benchWorkload(wns, i)));
      const wCreated = performance.now();
      const w1 = await weftBound.done.finally(() => weftBound.stop());
      weft.push({ rate: OBJECTS / ((w1 - w0) / 1000), s: (w1 - w0) / 1000, creating: (wCreated - w0) / 1000 });
      if (process.env.BENCH_METRICS) {
        const text = await (await fetch(`${op.url}/metrics`)).text();
        console.log(text.split('\n').filter((l) => l.includes('controller="workload"') && /_(sum|count)\b/.test(l)).join('\n'));
      }
      // Outside the measured time: the held-back status writes land before the next round.
      await placed(rest, wns);
      await settle(rest, wns);
      console.log(`    round ${round + 1}: kube-scheduler ${fmt(kube.at(-1)!.rate)} pods/s, weft ${fmt(weft.at(-1)!.rate)} Workloads/s`);
    }
    const median = (xs: typeof kube) => [...xs].sort((x, y) => x.rate - y.rate)[Math.floor(xs.length / 2)]!;
    const k = median(kube);
    const w = median(weft);
    console.log(`    kube-scheduler: ${fmt(k.rate)} pods/s created → bound (median of ${ROUNDS} rounds; ${k.s.toFixed(1)} s, creating took ${k.creating.toFixed(1)} s)`);
    console.log(`    weft:           ${fmt(w.rate)} Workloads/s created → pod bound on its node (median of ${ROUNDS} rounds; ${w.s.toFixed(1)} s, creating took ${w.creating.toFixed(1)} s${hooks ? ', through the webhooks' : ', no webhooks'})   [goal ≥ kube-scheduler: ${w.rate >= k.rate ? 'met' : 'not met'}]`);
  } finally {
    await scheduler?.stop();
    await op?.proc.stop();
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const WORKLOAD_VALIDATE = validatePath(webhookFor('Workload')!);
const WORKLOAD_MUTATE = mutatePath(webhookFor('Workload')!);

async function partC(): Promise<void> {
  const ca = await createCA('weft-bench-ca');
  const ledger = new UsageLedger();
  const policy = parseWeftPolicy('orgs: { acme: { quota: { cpu: "100000", gpu: 100000 } } }\ntagOwners: { gpu: [acme] }');
  const server = await startWebhookServer({ host: '127.0.0.1', port: 0, ca, validate: (r, hook) => validateAdmission(r, { policy: () => policy, ledger }, hook), mutate: mutateAdmission, log });
  // HTTP/2 over one TLS connection, as the apiserver calls webhooks.
  const session = connect(server.url, { ca: ca.certPem });
  session.on('error', () => undefined);
  const call = (path: string, i: number) =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: `u-${i}`,
          kind: { group: 'weft.dev', version: 'v1alpha1', kind: 'Workload' },
          operation: 'CREATE',
          name: `w-${i}`,
          namespace: 'bench',
          userInfo: { username: 'bench' },
          object: { apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { name: `w-${i}`, namespace: 'bench' }, spec: { org: 'acme', template: { spec: { containers: [{ name: 'm', image: 'x' }] } }, resources: { cpu: '1', memory: '1Gi', gpu: 1 }, placement: { requiredTags: ['gpu:h100'] } } },
        },
      });
      const started = performance.now();
      const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json' });
      let status = 0;
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', () => undefined);
      req.on('end', () => (status === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${status}`))));
      req.on('error', reject);
      req.end(body);
    });
  try {
    for (let i = 0; i < 200; i++) await call(WORKLOAD_VALIDATE, -i); // warm up (TLS sessions, JIT)
    const rate = 200;
    const seconds = 10;
    const latencies: number[] = [];
    const inflight: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < rate * seconds; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(call(i % 2 === 0 ? WORKLOAD_VALIDATE : WORKLOAD_MUTATE, i).then((ms) => void latencies.push(ms)));
    }
    await Promise.all(inflight);
    const achieved = latencies.length / ((performance.now() - start) / 1000);
    console.log(`(c) admission webhook over HTTPS, ${latencies.length} AdmissionReviews at ${fmt(achieved)}/s (validate + mutate on one HTTP/2 connection):`);
    console.log(`    round trip: p50 ${pct(latencies, 50).toFixed(2)} ms, p99 ${pct(latencies, 99).toFixed(2)} ms, max ${Math.max(...latencies).toFixed(2)} ms   [goal p99 < 10 ms]`);
    // The decision itself, without HTTP/TLS and the scheduling of this process on a shared machine.
    const own: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = performance.now();
      const request = { uid: `d-${i}`, kind: { group: 'weft.dev', version: 'v1alpha1', kind: 'Workload' }, operation: 'CREATE' as const, name: `d-${i}`, namespace: 'bench', userInfo: { username: 'bench' }, object: { apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { name: `d-${i}`, namespace: 'bench' }, spec: { org: 'acme', template: {}, resources: { cpu: '1', memory: '1Gi', gpu: 1 }, placement: { requiredTags: ['gpu:h100'] } } } };
      validateAdmission(request, { policy: () => policy, ledger });
      mutateAdmission(request);
      own.push(performance.now() - t);
    }
    console.log(`    decision only (validate + mutate in process): p50 ${pct(own, 50).toFixed(3)} ms, p99 ${pct(own, 99).toFixed(3)} ms`);
  } finally {
    session.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  if (PARTS.includes('a')) await partA();
  if (PARTS.includes('c')) await partC();
  if (PARTS.includes('b')) await partB();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
