/**
 * npm run bench:artifacts — artifact upload throughput through Weft's store against the AWS SDK alone
 * (plain PutObject per file, lib-storage Upload for the big file, SDK defaults), to the same
 * versitygw in the same run; and the run-history listing with 10,000 runs.
 *
 * Three sides per scenario: the SDK alone, Weft's store called directly (what the operator does), and
 * the pod's path: `weft artifacts upload` (the CLI, in its own process, as a pod runs it) → the
 * operator's PUT route (in a worker thread, as the operator is another process in a cluster; on
 * loopback; the pod-token check is stubbed, the history route's RBAC is real) → versitygw.
 *
 * With an aws CLI installed, `aws s3 cp --recursive` is timed too (the issue's other floor).
 *
 * BENCH_ARTIFACTS_MIB (default 1024): bytes per scenario; BENCH_ROUNDS (default 2): alternating
 * rounds, the best of each side is compared; BENCH_HISTORY_RUNS (default 10000).
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { HistoryIndex, type RunOutcome, type RunRecord } from '../src/artifacts/history.js';
import { LocalS3 } from '../src/artifacts/local-s3.js';
import { collectArtifacts, uploadArtifacts } from '../src/artifacts/uploader.js';
import { Worker } from 'node:worker_threads';
import { execa } from 'execa';
import { applyCrds, ensureNamespace, readCrds } from '../src/cluster/crds.js';
import { LocalControlPlane } from '../src/cluster/local.js';
import { demoDashboardTokens } from '../src/server/dashboard/demo.js';
import { packageRoot } from '../src/version.js';

const MiB = 1024 * 1024;
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
/** BENCH_SIDES (default all): `sdk,aws,store,operator`, e.g. to profile one side alone. */
const side = (name: string) => (process.env.BENCH_SIDES ?? 'sdk,aws,store,operator').split(',').includes(name);
const historyRuns = Number(process.env.BENCH_HISTORY_RUNS ?? 10_000);

/** Writes `count` files of `bytes` each (pseudo-random, incompressible enough, cheap to make). */
async function makeFiles(dir: string, count: number, bytes: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const block = Buffer.alloc(4 * MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i);
  for (let f = 0; f < count; f++) {
    const fh = await open(join(dir, `file-${String(f).padStart(3, '0')}.bin`), 'w');
    for (let off = 0; off < bytes; off += block.length) {
      block.writeUInt32LE(f, 0);
      block.writeUInt32LE(off, 4);
      await fh.write(block, 0, Math.min(block.length, bytes - off));
    }
    await fh.close();
  }
}

/** The SDK alone: one PutObject per file (4 at a time), lib-storage Upload (16 MiB parts, 4 in flight) above 16 MiB. */
interface SdkTarget {
  client: S3Client;
  bucket: string;
  dir: string;
  prefix: string;
}

async function sdkUpload({ client, bucket, dir, prefix }: SdkTarget, files: Array<{ name: string; size: number }>): Promise<void> {
  const queue = [...files];
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const Key = `${prefix}/${f.name}`;
      const Body = createReadStream(join(dir, f.name), { highWaterMark: MiB });
      if (f.size < 16 * MiB) await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentLength: f.size }));
      else await new Upload({ client, params: { Bucket: bucket, Key, Body }, partSize: 16 * MiB, queueSize: 4 }).done();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** `aws s3 cp` when an aws CLI is installed (the issue's other floor), else undefined. */
const awsCli = await execa('aws', ['--version'], { reject: false }).then((r) => (r.exitCode === 0 ? (r.stdout || r.stderr).split(' ')[0] : undefined), () => undefined);

async function awsCp(s3: LocalS3, dir: string, prefix: string): Promise<void> {
  const env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  await execa('aws', ['s3', 'cp', '--recursive', '--quiet', '--endpoint-url', s3.endpoint, dir, `s3://${s3.bucket}/${prefix}/`], { env });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** CPU seconds (user + system) so far of this process (all its threads) and of versitygw's process group. */
async function cpuNow(s3: LocalS3): Promise<{ node: number; s3: number }> {
  const u = process.cpuUsage();
  let group = 0;
  const tick = 100; // USER_HZ on Linux
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    if (Number(f[2]) === s3.pgid) group += (Number(f[11]) + Number(f[12])) / tick; // pgrp; utime, stime
  }
  return { node: (u.user + u.system) / 1e6, s3: group };
}

/**
 * Times `fn` and the CPU it and versitygw used, for the best-of table and the CPU breakdown; `fn`
 * may return the CPU seconds of a child process it ran (the pod's CLI), counted with this process's.
 */
async function measured(s3: LocalS3, fn: () => Promise<unknown>): Promise<{ s: number; cpu: { node: number; s3: number } }> {
  const c0 = await cpuNow(s3);
  let child = 0;
  const s = await timed(async () => {
    const r = await fn();
    if (typeof r === 'object' && r !== null && 'childCpu' in r) child = Number(r.childCpu);
  });
  const c1 = await cpuNow(s3);
  return { s, cpu: { node: c1.node - c0.node + child, s3: c1.s3 - c0.s3 } };
}

/**
 * The pod's side as in a pod: `weft artifacts upload` in its own process (the CLI a Job's pod runs,
 * started by bash, whose `times` gives the CLI's CPU seconds), to the operator's route.
 */
async function podUpload(op: OperatorWorker, o: { root: string; dir: string; run: string; count: number; maxFileBytes: number }): Promise<{ childCpu: number }> {
  const tokenFile = join(o.root, 'token');
  await writeFile(tokenFile, `weft-job-${o.run}`);
  const manifestFile = join(o.root, 'manifest.json');
  const args = ['artifacts', 'upload', '*.bin', '--operator', op.url, '--token-file', tokenFile, '--dest', `bench/job/${o.run}/1`, '--workspace', o.dir, '--max-file-bytes', String(o.maxFileBytes)];
  const script = '"$@" > "$MANIFEST"; rc=$?; times >&2; exit $rc';
  const res = await execa('bash', ['-c', script, 'bash', process.execPath, join(packageRoot(), 'bin', 'weft.js'), ...args], { env: { MANIFEST: manifestFile }, reject: false });
  const m = JSON.parse(await readFile(manifestFile, 'utf8').catch(() => '{}')) as { ok?: boolean; artifacts?: unknown[]; error?: string; refused?: unknown[] };
  if (res.exitCode !== 0 || !m.ok || m.artifacts?.length !== o.count) throw new Error(`upload through the operator failed (exit ${res.exitCode}): ${m.error ?? JSON.stringify(m.refused)} ${res.stderr}`);
  // `times`: the shell's user and system time, then its children's: "0m1.234s 0m0.567s".
  const children = res.stderr.trim().split('\n').at(-1)!.match(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/);
  return { childCpu: children ? Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4]) : 0 };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

/** The operator's artifact routes in a worker thread (bench/artifacts-operator.ts), writing to the same bucket. */
interface OperatorWorker {
  url: string;
  stop(): Promise<void>;
}

async function operatorWorker(s3: LocalS3, kubeconfig: string): Promise<OperatorWorker> {
  const worker = new Worker(new URL('./artifacts-operator.js', import.meta.url), {
    workerData: { kubeconfig, store: { endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
  });
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    url,
    async stop() {
      worker.postMessage('stop');
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

async function uploadBench(s3: LocalS3, op: OperatorWorker, root: string, totalMiB: number): Promise<void> {
  const store = s3.store();
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  const scenarios = [
    { name: `${totalMiB} MiB in 100 files`, dir: join(root, 'many'), count: 100, bytes: Math.floor((totalMiB * MiB) / 100) },
    { name: `one ${totalMiB} MiB file`, dir: join(root, 'one'), count: 1, bytes: totalMiB * MiB },
  ];
  for (const sc of scenarios) {
    await makeFiles(sc.dir, sc.count, sc.bytes);
    const files = Array.from({ length: sc.count }, (_, f) => ({ name: `file-${String(f).padStart(3, '0')}.bin`, size: sc.bytes }));
    const best = { sdk: Infinity, store: Infinity, operator: Infinity, aws: Infinity };
    const cpu: Record<keyof typeof best, { node: number; s3: number } | undefined> = { sdk: undefined, store: undefined, operator: undefined, aws: undefined };
    const keep = (k: keyof typeof best, m: { s: number; cpu: { node: number; s3: number } }) => {
      if (m.s < best[k]) [best[k], cpu[k]] = [m.s, m.cpu];
    };
    for (let r = 0; r < rounds; r++) {
      if (side('sdk')) keep('sdk', await measured(s3, () => sdkUpload({ client, bucket: s3.bucket, dir: sc.dir, prefix: `sdk-${r}` }, files)));
      await rm(join(s3.dir, 'data', s3.bucket, `sdk-${r}`), { recursive: true, force: true });
      if (awsCli && side('aws')) {
        keep('aws', await measured(s3, () => awsCp(s3, sc.dir, `aws-${r}`)));
        await rm(join(s3.dir, 'data', s3.bucket, `aws-${r}`), { recursive: true, force: true });
      }
      if (side('store')) {
        keep('store', await measured(s3, async () => {
          const { files: collected } = await collectArtifacts({ workspace: sc.dir, patterns: ['*.bin'], maxFileBytes: 2 * totalMiB * MiB, digest: false });
          await uploadArtifacts(collected, { store, run: { namespace: 'bench', kind: 'job', name: `r${r}`, attempt: 1 } });
        }));
        await rm(join(s3.dir, 'data', s3.bucket, 'bench'), { recursive: true, force: true });
      }
      if (side('operator')) {
        keep('operator', await measured(s3, () => podUpload(op, { root, dir: sc.dir, run: `r${r}`, count: sc.count, maxFileBytes: 2 * totalMiB * MiB })));
        await rm(join(s3.dir, 'data', s3.bucket, 'bench'), { recursive: true, force: true });
      }
    }
    const mibps = (s: number) => ((sc.count * sc.bytes) / MiB / s).toFixed(0);
    // CPU of the best round: this process (SDK, Weft's store, the operator's worker thread) plus the pod's CLI process, and versitygw.
    const cpuOf = (k: keyof typeof best) => (cpu[k] ? `  cpu: node ${cpu[k]!.node.toFixed(2)} s, versitygw ${cpu[k]!.s3.toFixed(2)} s` : '');
    console.log(`  ${sc.name}`);
    if (side('sdk')) console.log(`    SDK alone (PutObject/Upload)        ${best.sdk.toFixed(2)} s  ${mibps(best.sdk)} MiB/s${cpuOf('sdk')}`);
    if (awsCli && side('aws')) console.log(`    aws s3 cp --recursive (${awsCli})  ${best.aws.toFixed(2)} s  ${mibps(best.aws)} MiB/s  cpu: versitygw ${cpu.aws?.s3.toFixed(2)} s`);
    if (side('store')) console.log(`    Weft store (sha256 + checked upload) ${best.store.toFixed(2)} s  ${mibps(best.store)} MiB/s  ratio ${(best.sdk / best.store).toFixed(2)}x (goal >= 0.7x)${cpuOf('store')}`);
    if (side('operator')) console.log(`    pod CLI -> operator route -> store   ${best.operator.toFixed(2)} s  ${mibps(best.operator)} MiB/s  ratio ${(best.sdk / best.operator).toFixed(2)}x (goal >= 0.7x)${cpuOf('operator')}`);
    await rm(sc.dir, { recursive: true, force: true });
  }
  client.destroy();
  await store.close();
}

function benchRun(i: number): RunRecord {
  const outcomes: RunOutcome[] = ['Succeeded', 'Succeeded', 'Failed', 'Succeeded', 'Cancelled'];
  const finished = Date.parse('2026-11-01T00:00:00Z') + i * 37_000;
  return {
    namespace: 'bench',
    kind: i % 5 === 0 ? 'agenttask' : 'job',
    name: `run-${i}`,
    attempt: 1,
    template: ['ci', 'docs', 'scan', 'notebook'][i % 4],
    org: ['acme', 'globex', 'initech'][i % 3],
    specDigest: `sha256:${i.toString(16).padStart(64, '0')}`,
    outcome: outcomes[i % outcomes.length]!,
    startedAt: new Date(finished - 120_000).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    artifacts: [
      { path: 'junit.xml', key: `bench/job/run-${i}/1/junit.xml`, size: 4096, sha256: 'a'.repeat(64) },
      { path: 'logs/main.log', key: `bench/job/run-${i}/1/logs/main.log`, size: 65536, sha256: 'b'.repeat(64) },
    ],
    traceId: i.toString(16).padStart(32, '0'),
  };
}

async function historyBench(s3: LocalS3, op: OperatorWorker, token: string): Promise<void> {
  const store = s3.store();
  const seedT = await timed(() => new HistoryIndex(store).recordMany(Array.from({ length: historyRuns }, (_, i) => benchRun(i)), 16));
  const measure = async (n: number, fn: (i: number) => Promise<unknown>) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn(i);
      xs.push(performance.now() - t);
    }
    return `p50 ${pct(xs, 50).toFixed(1)} ms  p99 ${pct(xs, 99).toFixed(1)} ms  (n=${n})`;
  };
  const warm = new HistoryIndex(store);
  const listAll = async (h: HistoryIndex) => {
    let cursor: string | undefined;
    let n = 0;
    do {
      const page = await h.list('bench', { limit: 1000, cursor });
      n += page.items.length;
      cursor = page.next;
    } while (cursor);
    if (n !== historyRuns) throw new Error(`listed ${n} runs, expected ${historyRuns}`);
  };
  console.log(`  ${historyRuns} runs seeded in ${seedT.toFixed(1)} s (recordMany), ${(await store.list('history/bench/index/')).objects.length} index segments`);
  console.log(`    first page (50), new reader each time   ${await measure(20, () => new HistoryIndex(store).list('bench'))}`);
  console.log(`    first page (50), warm reader            ${await measure(200, () => warm.list('bench'))}`);
  console.log(`    filtered page (Failed, template ci)     ${await measure(200, () => warm.list('bench', { outcome: 'Failed', template: 'ci' }))}`);
  console.log(`    all ${historyRuns} runs (pages of 1000), cold   ${await measure(10, () => listAll(new HistoryIndex(store)))}`);
  console.log(`    all ${historyRuns} runs (pages of 1000), warm   ${await measure(50, () => listAll(warm))}`);
  console.log(`    one run added (record)                  ${await measure(50, (i) => warm.record(benchRun(historyRuns + i)))}`);
  // The API as the dashboard calls it: HTTP, TokenReview + SubjectAccessReview (cached by the guard) against a real apiserver.
  const api = async (query: string) => {
    const res = await fetch(`${op.url}/api/v1/history?namespace=bench&${query}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET /api/v1/history?${query}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { items: unknown[]; next?: string };
  };
  const apiAll = async () => {
    let n = 0;
    let cursor = '';
    do {
      const page = await api(`limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      n += page.items.length;
      cursor = page.next ?? '';
    } while (cursor);
    if (n < historyRuns) throw new Error(`the API listed ${n} runs, expected at least ${historyRuns}`);
  };
  console.log(`    GET /api/v1/history first call (cold cache, TokenReview + SAR)   ${await measure(1, () => api('limit=50'))}`);
  console.log(`    GET /api/v1/history?limit=50                   ${await measure(200, () => api('limit=50'))}`);
  console.log(`    GET /api/v1/history?kind=job&outcome=Failed    ${await measure(200, () => api('kind=job&outcome=Failed&limit=50'))}`);
  console.log(`    GET /api/v1/history?limit=1000 (one page)      ${await measure(50, () => api('limit=1000'))}`);
  console.log(`    GET all ${historyRuns}+ runs, pages of 1000       ${await measure(10, apiAll)}`);
  await store.close();
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'weft-bench-artifacts-'));
  const fs = await statfs(root);
  const freeMiB = Math.floor((fs.bavail * fs.bsize) / MiB);
  // Source files (one scenario at a time) + one copy on the server at a time, with room to spare.
  const wanted = Number(process.env.BENCH_ARTIFACTS_MIB ?? 1024);
  const totalMiB = Math.min(wanted, Math.floor(freeMiB / 4));
  const s3 = await LocalS3.start({ dir: join(root, 's3') });
  const cp = await LocalControlPlane.start();
  let op: OperatorWorker | undefined;
  try {
    const kc = cp.kubeConfig();
    await applyCrds(kc, await readCrds(join(packageRoot(), 'crds')));
    await ensureNamespace(kc, 'weft-system');
    const token = (await demoDashboardTokens(kc, 'weft-system'))['weft-demo-viewer'];
    op = await operatorWorker(s3, cp.kubeconfigPath);
    console.log('bench:artifacts results');
    console.log(`  versitygw ${s3.endpoint}, ${rounds} alternating round(s) per side, best of each${totalMiB < wanted ? `; SCALED DOWN to ${totalMiB} MiB: ${freeMiB} MiB free in ${tmpdir()}` : ''}`);
    await uploadBench(s3, op, root, totalMiB);
    await historyBench(s3, op, token);
  } finally {
    await op?.stop();
    await cp.stop();
    await s3.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
