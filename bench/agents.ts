/**
 * `npm run bench:agents`: the AgentTask runtime's figures.
 *
 *  (k) on KWOK: BENCH_TASKS (500) AgentTasks created BENCH_CONCURRENCY (50) at a time over
 *      BENCH_NODES (50) KWOK nodes → every agent pod bound to its node (tasks/s), and the
 *      operator's RSS (its own process, as deployed, with its deployed identity);
 *  (r) on the real node: BENCH_REAL (20) AgentTasks one after another, each from creation → its
 *      pod Running → its first LLM request at the gateway (p50/p99; goal < 3 s p50 with the image
 *      cached), with the weft-agent driver against the fake LLM and a local Gitea repository;
 *  (g) the gateway's added latency on a proxied streaming completion against calling the fake
 *      directly, in the same run (bench/gateway.ts, goal p99 added < 5 ms).
 *
 * BENCH_PARTS (krg) picks parts. Everything runs on loopback (and the real node's own bridge) and
 * stops by itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { KubernetesObject } from '@kubernetes/client-node';
import { applyCrds, ensureNamespace, readCrds } from '../src/cluster/crds.js';
import { LocalControlPlane } from '../src/cluster/local.js';
import { freePorts } from '../src/cluster/ports.js';
import { startProcess, waitReady } from '../src/cluster/process.js';
import { AGENTTASKS } from '../src/api/resources.js';
import { RestClient } from '../src/runtime/index.js';
import { packageRoot } from '../src/version.js';
import { bound, fakeMesh, fmt, pool } from './kube.js';
import { benchRealNode } from './agents-realnode.js';

const TASKS = Number(process.env.BENCH_TASKS ?? 500);
const NODES = Number(process.env.BENCH_NODES ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const PARTS = process.env.BENCH_PARTS ?? 'krg';

/** A minimal AgentTask of the bench (scripted: the pods never run on KWOK). */
export const benchTask = (namespace: string, name: string, spec: Record<string, unknown> = {}) =>
  ({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AgentTask',
    metadata: { name, namespace },
    spec: { org: 'bench', repo: { url: 'http://127.0.0.1:9/bench/app.git' }, source: { inline: { title: name } }, agent: { driver: 'scripted', steps: [{ run: 'true' }] }, resources: { cpu: '100m', memory: '128Mi' }, ...spec },
  }) as KubernetesObject;

async function rssMiB(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^weft_process_resident_memory_bytes (\d+)/m.exec(text);
  return m ? Number(m[1]) / 2 ** 20 : NaN;
}

async function partK(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-agents-'));
  const cp = await LocalControlPlane.start({ dir: join(dir, 'cp'), kwok: true });
  const kc = cp.kubeConfig();
  const rest = new RestClient(kc);
  let op: Awaited<ReturnType<typeof startProcess>> | undefined;
  try {
    await applyCrds(kc, await readCrds(join(packageRoot(), 'crds')));
    console.log(`(k) ${TASKS} AgentTasks on ${NODES} KWOK nodes, created ${CONCURRENCY} at a time:`);
    await fakeMesh(cp, { nodes: NODES, org: 'bench', namespace: 'bench-weft', dir, concurrency: CONCURRENCY });
    const [httpPort] = (await freePorts(1)) as [number];
    const url = `http://127.0.0.1:${httpPort}`;
    // Only the Workload and AgentTask controllers: the bench set the MeshNodes and OrgClusters up by hand.
    const args = [join(packageRoot(), 'bin', 'weft.js'), 'operator', '--kubeconfig', join(dir, 'operator.kubeconfig'), '--http-addr', `127.0.0.1:${httpPort}`, '--namespace', 'weft-system', '--no-leader-elect', '--controllers', 'workload,agenttask', '--agent-gateway-url', 'http://127.0.0.1:9', '--log-level', process.env.BENCH_OPERATOR_LOG ?? 'warn'];
    op = startProcess({ name: 'weft operator', command: process.execPath, args, logFile: join(dir, 'operator.log') });
    await waitReady(op, 60_000, async () => fetch(`${url}/readyz`).then((r) => r.ok, () => false));
    const rssIdle = await rssMiB(url);
    await ensureNamespace(kc, 'bench-tasks');
    const pods = await bound(kc, 'bench-tasks', TASKS, 600_000);
    const t0 = performance.now();
    await pool(TASKS, CONCURRENCY, (i) => rest.create(AGENTTASKS, benchTask('bench-tasks', `t-${i}`)));
    const created = performance.now();
    const t1 = await pods.done.finally(() => pods.stop());
    const rss = await rssMiB(url);
    if (process.env.BENCH_METRICS) {
      const text = await (await fetch(`${url}/metrics`)).text();
      console.log(text.split('\n').filter((l) => /^weft_(controller_reconcile_(total|errors_total|time_seconds_(sum|count))|workqueue_(retries_total|queue_duration_seconds_(sum|count)))/.test(l)).join('\n'));
    }
    const s = (t1 - t0) / 1000;
    console.log(`    ${fmt(TASKS / s)} tasks/s created → agent pod bound (${s.toFixed(1)} s; creating took ${((created - t0) / 1000).toFixed(1)} s; each task: ServiceAccount, Role, RoleBinding, Workload, pod)`);
    console.log(`    operator RSS: ${rssIdle.toFixed(0)} MiB idle, ${rss.toFixed(0)} MiB with ${TASKS} tasks   [goal < 250 MB]`);
  } finally {
    await op?.stop();
    await cp.stop();
    if (!process.env.BENCH_KEEP) await rm(dir, { recursive: true, force: true });
    else console.log(`    kept ${dir}`);
  }
}

function partG(): void {
  console.log('(g) gateway overhead on a streamed completion (bench/gateway.ts, same run):');
  const out = execFileSync(process.execPath, [join(packageRoot(), 'dist', 'bench', 'gateway.js')], { encoding: 'utf8', env: { ...process.env, BENCH_CALLS: process.env.BENCH_CALLS ?? '300' }, timeout: 240_000 });
  process.stdout.write(out.replace(/^/gm, '    '));
}

async function main(): Promise<void> {
  if (PARTS.includes('k')) await partK();
  if (PARTS.includes('r')) await benchRealNode({ tasks: Number(process.env.BENCH_REAL ?? 20) });
  if (PARTS.includes('g')) partG();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
