/**
 * npm run bench:runtime — 1,000 MeshNodes and 5,000 other objects on a local control plane, with the
 * operator (`weft operator`) running as its own process. Prints: create → first reconcile latency
 * (p50/p99, observed as the controller's first status write), reconciles per second, operator RSS.
 * Goals (issue 4): p99 < 1 s, RSS < 250 MB. Bounded: fixed object counts, 5-minute overall limit.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { applyCrds, ensureNamespace, readCrds } from '../src/cluster/crds.js';
import { LocalControlPlane } from '../src/cluster/local.js';
import { freePort } from '../src/cluster/ports.js';
import { MESHNODES } from '../src/api/resources.js';
import { Informer, RestClient, type ResourceType } from '../src/runtime/index.js';
import { packageRoot } from '../src/version.js';

const NODES = Number(process.env.BENCH_NODES ?? 1000);
const OTHERS = Number(process.env.BENCH_OTHERS ?? 5000);
const CONCURRENCY = 16;
/** Creates per second (0 = as fast as CONCURRENCY allows). */
const RATE = Number(process.env.BENCH_RATE ?? 0);
const CONFIGMAPS: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const statusKiB = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const rssMiB = (pid: number) => statusKiB(pid, 'VmRSS') / 1024;
/** RSS split: anonymous (V8 heap, malloc) and file-backed (the node binary's code, shared libraries). */
const rssSplit = (pid: number) => `anonymous ${(statusKiB(pid, 'RssAnon') / 1024).toFixed(0)} MiB, file-backed ${(statusKiB(pid, 'RssFile') / 1024).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const deadline = Date.now() + 300_000;
  const cp = await LocalControlPlane.start();
  const kc = cp.kubeConfig();
  const rest = new RestClient(kc);
  let op: ReturnType<typeof spawn> | undefined;
  try {
    await applyCrds(kc, await readCrds(join(packageRoot(), 'crds')));
    await ensureNamespace(kc, 'bench');
    await ensureNamespace(kc, 'weft-system');
    console.log(`creating ${OTHERS} ConfigMaps (other objects)…`);
    await pool([...Array(OTHERS).keys()], CONCURRENCY, async (i) => {
      await rest.create(CONFIGMAPS, { metadata: { name: `other-${i}`, namespace: 'bench' }, data: { i: String(i) } } as KubernetesObject);
    });

    const port = await freePort();
    op = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), join(packageRoot(), 'bin', 'weft.js'), 'operator', '--kubeconfig', cp.kubeconfigPath, '--http-addr', `127.0.0.1:${port}`, '--log-level', 'warn', '--no-leader-elect'], { stdio: ['ignore', 'ignore', 'inherit'] });
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('operator not ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    const rssIdle = rssMiB(op.pid!);

    const created = new Map<string, number>();
    const latency: number[] = [];
    const watcher = new Informer<KubernetesObject & { status?: { conditions?: unknown[] } }>(kc, MESHNODES);
    watcher.on((_ev, obj) => {
      const name = obj.metadata!.name!;
      const t0 = created.get(name);
      if (t0 !== undefined && obj.status?.conditions?.length) {
        latency.push(Date.now() - t0);
        created.delete(name);
      }
    });
    await watcher.start();

    console.log(`creating ${NODES} MeshNodes…`);
    const startAll = Date.now();
    await pool([...Array(NODES).keys()], CONCURRENCY, async (i) => {
      if (RATE > 0) await new Promise((r) => setTimeout(r, Math.max(0, startAll + (i * 1000) / RATE - Date.now())));
      const name = `bench-node-${i}`;
      created.set(name, Date.now());
      await rest.create(MESHNODES, { metadata: { name }, spec: { org: `org-${i % 10}`, hostname: name, tags: [`zone:z${i % 5}`] } } as KubernetesObject);
    });
    const createdIn = (Date.now() - startAll) / 1000;
    while (latency.length < NODES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const elapsed = (Date.now() - startAll) / 1000;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const reconciles = [...metrics.matchAll(/^weft_controller_reconcile_total\{controller="meshnode",result="[a-z_]+"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    const rss = rssMiB(op.pid!);
    await watcher.stop();
    // V8 returns freed pages some seconds after a burst (its memory reducer): sample again when idle.
    await new Promise((r) => setTimeout(r, 20_000));
    const rssSettled = rssMiB(op.pid!);
    const split = rssSplit(op.pid!);

    console.log('\nbench:runtime results');
    console.log(`  objects              ${NODES} MeshNodes + ${OTHERS} ConfigMaps, created ${RATE > 0 ? `at ${RATE}/s` : `as fast as possible (${CONCURRENCY} in flight)`}`);
    console.log(`  MeshNodes created in ${createdIn.toFixed(1)} s = ${(NODES / createdIn).toFixed(0)}/s`);
    console.log(`  first reconcile      p50 ${pct(latency, 50)} ms, p99 ${pct(latency, 99)} ms (${latency.length}/${NODES} observed; goal p99 < 1000 ms)`);
    console.log(`  reconciles           ${reconciles} in ${elapsed.toFixed(1)} s = ${(reconciles / elapsed).toFixed(0)}/s`);
    const bucket = (name: string, le: string) => Number(new RegExp(`^${name}_bucket\\{le="${le}",name="meshnode"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    const total = Number(new RegExp('^weft_workqueue_queue_duration_seconds_count\\{name="meshnode"\\} (\\d+)', 'm').exec(metrics)?.[1] ?? 0);
    console.log(`  queue wait           ≤100 ms: ${bucket('weft_workqueue_queue_duration_seconds', '0.1')}/${total}, ≤500 ms: ${bucket('weft_workqueue_queue_duration_seconds', '0.5')}/${total}, ≤1 s: ${bucket('weft_workqueue_queue_duration_seconds', '1')}/${total}`);
    const heapUsed = Number(/^weft_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(metrics)?.[1] ?? 0) / 2 ** 20;
    console.log(`  operator heap used   ${heapUsed.toFixed(0)} MiB (V8 heap after the run; RSS also holds code and free heap V8 has not returned)`);
    console.log(`  operator RSS         ${rss.toFixed(0)} MiB right after the burst, ${rssSettled.toFixed(0)} MiB 20 s later (idle before MeshNodes: ${rssIdle.toFixed(0)} MiB; goal < 250 MB = 238 MiB)`);
    console.log(`                       20 s later: ${split}`);
  } finally {
    op?.kill('SIGTERM');
    await cp.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
