/**
 * Placement engine benchmark: place() decisions per second and their latency, in-process, for a
 * synthetic mesh (by default 10,000 workloads over 5,000 nodes in 50 OrgClusters of 5 orgs) with
 * mixed requests: GPU ones with and without a model, required and preferred tags, spread, cluster
 * selectors and avoid lists. Deterministic inputs (seeded PRNG), so runs differ only by machine.
 *
 *   npm run build && node dist/bench/schedule-placement.js [workloads] [nodes] [clusters]
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { PlacementEngine } from '../src/scheduler/index.js';
import type { ClusterInfo, NodeInfo, PlacementRequest } from '../src/scheduler/index.js';

/** Sizes of the synthetic mesh. */
export interface BenchPlacementOptions {
  workloads?: number;
  nodes?: number;
  clusters?: number;
}

/** What one run measured. */
export interface BenchPlacementResult {
  /** Decisions per second of wall-clock time. */
  decisionsPerSec: number;
  /** Decisions per second of this process's CPU time (less sensitive to other load on a shared machine). */
  cpuDecisionsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  placed: number;
  pending: number;
}

const Gi = 2 ** 30;
const GPU_MODELS = ['NVIDIA A100 80GB PCIe', 'NVIDIA H100 80GB HBM3', 'NVIDIA T4'];

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** Nodes and clusters: orgs of 10 clusters, each cluster with its own slice of the nodes. */
function mesh(rand: Rand, nodes: number, clusters: number): { nodeInfos: NodeInfo[]; clusterInfos: ClusterInfo[]; orgs: string[] } {
  const orgCount = Math.max(1, Math.round(clusters / 10));
  const orgs = Array.from({ length: orgCount }, (_, i) => `org-${i}`);
  const perCluster = Math.max(1, Math.floor(nodes / clusters));
  const clusterInfos: ClusterInfo[] = [];
  const nodeInfos: NodeInfo[] = [];
  for (let c = 0; c < clusters; c++) {
    const org = orgs[c % orgCount]!;
    const hosts = Array.from({ length: perCluster }, (_, h) => `node-${c * perCluster + h}`);
    clusterInfos.push({ id: `${org}/cluster-${c}`, org, tags: [`region:${c % 2 ? 'eu' : 'us'}`], labels: { env: c % 3 ? 'prod' : 'dev' }, reachable: c % 25 !== 24, hosts });
    for (const name of hosts) nodeInfos.push(meshNode(rand, name, org));
  }
  return { nodeInfos, clusterInfos, orgs };
}

function meshNode(rand: Rand, name: string, org: string): NodeInfo {
  const gpu = rand() < 0.2 ? pick(rand, GPU_MODELS) : undefined;
  const tags = [`zone:z${Math.floor(rand() * 3)}`, ...(rand() < 0.5 ? ['ssd'] : []), ...(gpu ? [`gpu:${gpu.split(' ')[1]!.toLowerCase()}`] : [])];
  return {
    name,
    org,
    tags,
    ready: rand() > 0.02,
    unschedulable: rand() < 0.01,
    allocatable: { cpuMilli: pick(rand, [8, 16, 32]) * 1000, memoryBytes: pick(rand, [32, 64, 128]) * Gi, gpus: gpu ? { [gpu]: pick(rand, [1, 2, 4, 8]) } : {} },
  };
}

function request(rand: Rand, i: number, orgs: readonly string[]): PlacementRequest {
  const org = orgs[i % orgs.length]!;
  const gpu = rand() < 0.1 ? pick(rand, [1, 1, 2, 4]) : 0;
  const r: PlacementRequest = {
    id: `${org}-ns${i % 7}/w-${i}`,
    org,
    cpuMilli: pick(rand, [250, 500, 1000, 2000, 4000]),
    memoryBytes: pick(rand, [0.5, 1, 2, 4, 8]) * Gi,
    gpu,
    requiredTags: rand() < 0.2 ? ['ssd'] : gpu && rand() < 0.5 ? ['gpu'] : [],
    preferredTags: rand() < 0.3 ? [{ tag: 'zone:z0', weight: 10 }, { tag: 'ssd', weight: 5 }] : [],
    avoid: rand() < 0.05 ? [`node-${Math.floor(rand() * 100)}`] : [],
  };
  if (gpu && rand() < 0.6) r.gpuModel = pick(rand, ['a100', 'h100', 't4']);
  if (rand() < 0.2) r.spread = { topologyKey: 'zone', maxSkew: pick(rand, [1, 2]) };
  if (rand() < 0.1) r.clusterSelector = { matchLabels: { env: 'prod' } };
  return r;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/**
 * Builds the mesh, then place()s every workload once, timing each decision.
 * @example const { decisionsPerSec, p99Ms } = await benchPlacement({ workloads: 1000 });
 */
export async function benchPlacement(opts: BenchPlacementOptions = {}): Promise<BenchPlacementResult> {
  const { workloads = 10_000, nodes = 5_000, clusters = 50 } = opts;
  const rand = prng(20260101);
  const { nodeInfos, clusterInfos, orgs } = mesh(rand, nodes, clusters);
  const engine = new PlacementEngine();
  nodeInfos.forEach((n) => engine.setNode(n));
  clusterInfos.forEach((c) => engine.setCluster(c));
  const requests = Array.from({ length: workloads }, (_, i) => request(rand, i, orgs));
  const latencies = new Float64Array(workloads);
  let placed = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < workloads; i++) {
    const t0 = performance.now();
    if (engine.place(requests[i]!).placed) placed++;
    latencies[i] = performance.now() - t0;
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const sorted = [...latencies].sort((a, b) => a - b);
  return { decisionsPerSec: workloads / seconds, cpuDecisionsPerSec: workloads / cpuSeconds, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), placed, pending: workloads - placed };
}

async function main(): Promise<void> {
  const [workloads = 10_000, nodes = 5_000, clusters = 50] = process.argv.slice(2).map(Number);
  await benchPlacement({ workloads: 2_000, nodes, clusters }); // warm-up (JIT)
  const r = await benchPlacement({ workloads, nodes, clusters });
  console.log('bench:placement results');
  console.log(`  mesh                 ${workloads.toLocaleString('en')} workloads, ${nodes.toLocaleString('en')} nodes, ${clusters} clusters`);
  console.log(`  decisions/second     ${Math.round(r.decisionsPerSec).toLocaleString('en')} (per CPU second: ${Math.round(r.cpuDecisionsPerSec).toLocaleString('en')})`);
  console.log(`  latency p50 / p99    ${r.p50Ms.toFixed(3)} ms / ${r.p99Ms.toFixed(3)} ms`);
  console.log(`  placed / pending     ${r.placed.toLocaleString('en')} / ${r.pending.toLocaleString('en')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
