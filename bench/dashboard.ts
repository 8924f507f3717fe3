/**
 * npm run bench:dashboard — the dashboard's two figures:
 *  1. the gzipped size of the UI's JavaScript (goal < 200 KB);
 *  2. time to first render of the node table with 1,000 MeshNodes (goal < 1 s): Debian's Chromium
 *     opens /nodes on an operator (`weft operator`, its own process) over a local control plane
 *     holding 1,000 MeshNodes with heartbeats; measured from navigation start to the moment the
 *     table has rendered (the UI's `weft:nodes-table` performance mark, after the first paint of the
 *     rows in view: long tables keep only the rows near the viewport in the DOM), cold (first visit)
 *     and warm (assets cached, as on every later visit).
 * Also: the server time of GET /api/v1/dashboard/nodes with 1,000 nodes. Results also go to
 * reports/bench-dashboard.json. Bounded: fixed counts, 5-minute overall limit.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { KubernetesObject } from '@kubernetes/client-node';
import { chromium } from 'playwright-core';
import { NODE_LEASE_NAMESPACE } from '../src/nodeagent/rbac.js';
import { applyCrds, ensureNamespace, readCrds } from '../src/cluster/crds.js';
import { LocalControlPlane } from '../src/cluster/local.js';
import { freePort } from '../src/cluster/ports.js';
import { LEASES, MESHNODES } from '../src/api/resources.js';
import { microTime, RestClient } from '../src/runtime/index.js';
import { demoDashboardTokens } from '../src/server/dashboard/demo.js';
import { WEB_DIR } from '../src/server/dashboard/static.js';
import { packageRoot } from '../src/version.js';

const NODES = Number(process.env.BENCH_NODES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONCURRENCY = 16;
const CHROMIUM = '/usr/bin/chromium';

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Gzipped bytes of every JavaScript (and CSS) file of the built UI. */
async function bundleSize(): Promise<{ js: number; jsRaw: number; css: number }> {
  const dir = join(WEB_DIR, 'assets');
  if (!existsSync(dir)) throw new Error(`${dir} is missing: run \`npm run build\` (npm run bench:dashboard does)`);
  const size = { js: 0, jsRaw: 0, css: 0 };
  for (const f of await readdir(dir)) {
    const raw = await readFile(join(dir, f));
    if (f.endsWith('.js')) {
      size.js += gzipSync(raw, { level: 9 }).length;
      size.jsRaw += raw.length;
    } else if (f.endsWith('.css')) size.css += gzipSync(raw, { level: 9 }).length;
  }
  return size;
}

async function seed(rest: RestClient): Promise<void> {
  await pool([...Array(NODES).keys()], CONCURRENCY, async (i) => {
    const name = `bench-node-${String(i).padStart(4, '0')}`;
    await rest.create(MESHNODES, { metadata: { name }, spec: { org: `org-${i % 10}`, hostname: `${name}.lab.example`, tags: [`zone:z${i % 5}`, ...(i % 4 === 0 ? ['gpu:h100'] : [])] } } as KubernetesObject);
    const res = { cpu: '32', memory: '128Gi', gpus: i % 4 === 0 ? [{ model: 'NVIDIA H100', count: 8 }] : [] };
    await rest.patch(MESHNODES, { name }, { status: { capacity: res, allocatable: res, allocated: { cpu: String(i % 32), memory: `${i % 128}Gi` } } }, { subresource: 'status' });
  });
}

/** A fresh heartbeat for every node (as their agents would renew them), just before the operator starts. */
async function heartbeats(rest: RestClient): Promise<void> {
  const renewTime = microTime(new Date());
  await pool([...Array(NODES).keys()], CONCURRENCY, async (i) => {
    const name = `bench-node-${String(i).padStart(4, '0')}`;
    await rest.create(LEASES, { metadata: { name, namespace: NODE_LEASE_NAMESPACE }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime } } as KubernetesObject);
  });
}

async function main(): Promise<void> {
  const deadline = Date.now() + 300_000;
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or npm run deps)`);
  const size = await bundleSize();
  const cp = await LocalControlPlane.start();
  const kc = cp.kubeConfig();
  const rest = new RestClient(kc);
  const profile = await mkdtemp(join(tmpdir(), 'weft-bench-chromium-'));
  let op: ReturnType<typeof spawn> | undefined;
  try {
    await applyCrds(kc, await readCrds(join(packageRoot(), 'crds')));
    for (const ns of ['weft-system', NODE_LEASE_NAMESPACE]) await ensureNamespace(kc, ns);
    console.log(`creating ${NODES} MeshNodes with status and heartbeat Leases…`);
    await seed(rest);
    const token = (await demoDashboardTokens(kc, 'weft-system'))['weft-demo-viewer'];
    await heartbeats(rest);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    op = spawn(process.execPath, [join(packageRoot(), 'bin', 'weft.js'), 'operator', '--kubeconfig', cp.kubeconfigPath, '--http-addr', `127.0.0.1:${port}`, '--log-level', 'warn', '--no-leader-elect'], { stdio: ['ignore', 'ignore', 'inherit'] });
    // Ready, and the MeshNode controller's first pass over every node is done (all Ready from their Leases).
    for (;;) {
      const r = await fetch(`${base}/api/v1/dashboard/nodes`, { headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
      const items = r?.ok ? ((await r.json()) as { items: Array<{ ready: string }> }).items : [];
      if (items.length === NODES && items.every((n) => n.ready === 'True')) break;
      if (Date.now() > deadline) throw new Error(`operator not settled: ${items.length} nodes listed`);
      await new Promise((res) => setTimeout(res, 250));
    }

    const api: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await (await fetch(`${base}/api/v1/dashboard/nodes`, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' } })).arrayBuffer();
      api.push(performance.now() - t0);
    }

    const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 }, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    await ctx.addInitScript((t: string) => sessionStorage.setItem('weft.token', t), token);
    const renders: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const page = await ctx.newPage();
      await page.goto(`${base}/nodes`);
      await page.waitForFunction(() => performance.getEntriesByName('weft:nodes-table').length > 0, undefined, { timeout: 30_000 });
      const { at, rows, steps } = await page.evaluate(() => ({
        at: performance.getEntriesByName('weft:nodes-table')[0]!.startTime,
        rows: Number((globalThis as unknown as { document: { querySelector(s: string): { dataset: { rows?: string } } } }).document.querySelector('[data-testid=nodes-table]').dataset.rows),
        // Where the time goes: when each request of the page finished.
        steps: (performance.getEntriesByType('resource') as unknown as Array<{ name: string; responseEnd: number }>).map((e) => `${e.name.replace(/^https?:\/\/[^/]+/, '')} ${Math.round(e.responseEnd)}`).join(', '),
      }));
      if (process.env.BENCH_VERBOSE) console.log(`  run ${run + 1}: rendered at ${Math.round(at)} ms; ${steps}`);
      if (rows !== NODES) throw new Error(`the table has ${rows} rows, expected ${NODES}`);
      renders.push(at);
      if (run === 0) {
        // The table renders the rows near the viewport: the last node must appear when scrolled to.
        await page.mouse.wheel(0, 1e7);
        await page.locator(`tr[data-node="bench-node-${String(NODES - 1).padStart(4, '0')}"]`).waitFor({ timeout: 5000 });
      }
      await page.close();
    }
    await ctx.close();

    const result = {
      bundle: { jsGzipBytes: size.js, jsBytes: size.jsRaw, cssGzipBytes: size.css, goalJsGzipBytes: 200 * 1024 },
      nodeTable: { nodes: NODES, coldMs: Math.round(renders[0]!), warmMedianMs: Math.round(median(renders.slice(1))), runsMs: renders.map(Math.round), goalMs: 1000 },
      api: { nodesMedianMs: Math.round(median(api) * 10) / 10 },
    };
    console.log('\nbench:dashboard results');
    console.log(`  JS bundle            ${(size.js / 1024).toFixed(1)} KB gzipped (${(size.jsRaw / 1024).toFixed(1)} KB raw; CSS ${(size.css / 1024).toFixed(1)} KB gzipped); goal < 200 KB`);
    console.log(`  node table, ${NODES}   first render ${result.nodeTable.coldMs} ms cold, ${result.nodeTable.warmMedianMs} ms warm (median of ${RUNS - 1}); goal < 1000 ms`);
    console.log(`  GET nodes API        ${result.api.nodesMedianMs} ms median (${NODES} nodes, 20 calls)`);
    await mkdir(join(packageRoot(), 'reports'), { recursive: true });
    await writeFile(join(packageRoot(), 'reports', 'bench-dashboard.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    op?.kill('SIGTERM');
    await cp.stop();
    await rm(profile, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
