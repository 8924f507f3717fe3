/**
 * npm run bench:gateway — the LLM gateway's added latency on a streamed completion: the same
 * scripted stream from the fake LLM, fetched directly and through the gateway (alternating, same
 * run, same client), N calls each after a warm-up. Prints p50/p99 of time to first byte and time
 * to the last byte for both, and p50/p99 of the per-pair difference. Goal (issue 16): p99 added
 * < 5 ms. The client (here), the gateway and the fake LLM run in separate processes
 * (bench/gateway-worker.ts), so that one's work does not delay another's timers. The CPU time per
 * request of the gateway process is printed too, with the fake's for scale: on a busy machine
 * the latency tails measure the machine more than the gateway.
 * The gateway runs as in the operator: transcripts on, metrics on, TokenReview answers cached (a
 * stub verifier stands in for the apiserver, which a cached review does not reach), the task read
 * from memory (the operator reads it from its informer cache).
 * Bounded: BENCH_CALLS (default 500) pairs (half for the paced scenario), 3-minute overall limit.
 * BENCH_TRANSCRIPT=0 turns transcripts off; BENCH_CPU_PROF=DIR writes the sides' CPU profiles (100 µs
 * sampling); BENCH_GW_ARGS="--trace-gc" passes node flags to the gateway process.
 */
import { loadavg } from 'node:os';
import { fork } from 'node:child_process';
import { Agent, request } from 'undici';
import type { AgentUsage } from '../src/api/agenttask/index.js';
import type { ScriptTurn } from '../test/fakes/llm/index.js';
import type { WorkerRole } from './gateway-worker.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 500);
const WARMUP = Math.min(50, CALLS);
const KEY = 'sk-bench-upstream-key-0123456789';
const TOKEN = 'bench-agent-token';
const TURN: ScriptTurn = { text: 'word '.repeat(60).trim(), model: 'gpt-bench', usage: { input: 800, output: 60, cached: 400 } };
const BODY = JSON.stringify({ model: 'gpt-bench', stream: true, messages: [{ role: 'system', content: 'You are a coding agent.' }, { role: 'user', content: 'x'.repeat(4000) }] });

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

interface Sample {
  ttfb: number;
  total: number;
}

async function once(client: Agent, url: string, headers: Record<string, string>): Promise<Sample> {
  const t0 = performance.now();
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: BODY, dispatcher: client });
  let ttfb = 0;
  let bytes = 0;
  for await (const chunk of res.body) {
    if (!ttfb) ttfb = performance.now() - t0;
    bytes += (chunk as Buffer).length;
  }
  if (res.statusCode !== 200 || bytes === 0) throw new Error(`${url}: HTTP ${res.statusCode}, ${bytes} bytes`);
  return { ttfb, total: performance.now() - t0 };
}

interface Scenario {
  name: string;
  turn: ScriptTurn;
  calls: number;
}

interface Sides {
  direct: { url: string; headers: Record<string, string> };
  proxied: { url: string; headers: Record<string, string> };
}

/** Runs a scenario: warm-up, then pairs of calls (direct and proxied, alternating order). */
async function run(sc: Scenario, io: { client: Agent; sides: Sides; deadline: number; afterWarmup: () => void }): Promise<{ direct: Sample[]; proxied: Sample[] }> {
  const samples = { direct: [] as Sample[], proxied: [] as Sample[] };
  for (let i = 0; i < WARMUP + sc.calls && Date.now() < io.deadline; i++) {
    if (i === WARMUP) io.afterWarmup();
    const order = i % 2 === 0 ? (['direct', 'proxied'] as const) : (['proxied', 'direct'] as const);
    for (const side of order) {
      const s = await once(io.client, io.sides[side].url, io.sides[side].headers);
      if (i >= WARMUP) samples[side].push(s);
    }
  }
  return samples;
}

function report(sc: Scenario, samples: { direct: Sample[]; proxied: Sample[] }): number {
  const n = samples.direct.length;
  process.stdout.write(`${sc.name}: ${n} pairs\n`);
  let addedP99 = 0;
  for (const metric of ['ttfb', 'total'] as const) {
    const d = samples.direct.map((s) => s[metric]);
    const p = samples.proxied.map((s) => s[metric]);
    const added = p.map((x, i) => x - d[i]!);
    const label = metric === 'ttfb' ? 'first byte' : 'last byte ';
    process.stdout.write(
      `  ${label}: direct p50 ${fmt(pct(d, 50))} p99 ${fmt(pct(d, 99))} | via gateway p50 ${fmt(pct(p, 50))} p99 ${fmt(pct(p, 99))} | added (per pair) p50 ${fmt(pct(added, 50))} p99 ${fmt(pct(added, 99))}\n`,
    );
    if (metric === 'total') addedP99 = pct(added, 99);
  }
  return addedP99;
}

/** Starts a worker and waits for its URL. */
type Stopped = { usage?: AgentUsage; cpuMs?: number; requests?: number };

/** Starts a side in its own process and waits for its URL. */
async function startWorker(role: WorkerRole): Promise<{ url: string; mark: () => void; stop: () => Promise<Stopped> }> {
  const child = fork(new URL('./gateway-worker.js', import.meta.url), [JSON.stringify(role)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: role.role === 'gateway' && process.env.BENCH_GW_ARGS ? process.env.BENCH_GW_ARGS.split(' ') : process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench worker ${role.role} exited with ${code}`)));
  });
  return {
    url,
    mark: () => void child.send('mark'),
    stop: async () => {
      const done = new Promise<Stopped>((resolve) => child.once('message', (m: Stopped) => resolve(m)));
      child.send('stop');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const stopped = await done;
      await exited;
      return stopped;
    },
  };
}

async function main(): Promise<void> {
  const deadline = Date.now() + 180_000;
  const scenarios: Scenario[] = [
    { name: `burst: ${TURN.text!.split(' ').length + 3} SSE events written at once`, turn: TURN, calls: CALLS },
    { name: 'paced: 23 SSE events 1 ms apart (each chunk crosses the gateway on its own)', turn: { ...TURN, chunks: 20, chunkDelayMs: 1 }, calls: Math.ceil(CALLS / 2) },
  ];
  process.stdout.write(`gateway overhead on streamed OpenAI completions (${BODY.length} B request, ${WARMUP} warm-up pairs per scenario; client, gateway and fake LLM in separate processes; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);
  let worst = 0;
  for (const sc of scenarios) {
    const fake = await startWorker({ role: 'fake', apiKey: KEY, turn: sc.turn });
    const gw = await startWorker({ role: 'gateway', apiKey: KEY, upstream: fake.url });
    const client = new Agent({ connections: 4 });
    const sides: Sides = {
      direct: { url: `${fake.url}/v1/chat/completions`, headers: { authorization: `Bearer ${KEY}` } },
      proxied: { url: `${gw.url}/llm/acme/bench/openai/v1/chat/completions`, headers: { authorization: `Bearer ${TOKEN}` } },
    };
    try {
      worst = Math.max(worst, report(sc, await run(sc, { client, sides, deadline, afterWarmup: () => (gw.mark(), fake.mark()) })));
    } finally {
      await client.close();
      const { usage, cpuMs, requests } = await gw.stop();
      const fakeStopped = await fake.stop();
      const fakePerRequest = fakeStopped.cpuMs !== undefined && fakeStopped.requests ? `${((fakeStopped.cpuMs * 1000) / fakeStopped.requests).toFixed(0)} µs` : '?';
      const perRequest = cpuMs !== undefined && requests ? `${((cpuMs * 1000) / requests).toFixed(0)} µs` : '?';
      process.stdout.write(`  gateway process CPU ${perRequest} per request after the warm-up (user + system, all its threads; the fake LLM process, for scale: ${fakePerRequest}); counted ${usage?.requests} requests, ${usage?.inputTokens} input / ${usage?.outputTokens} output tokens\n`);
    }
  }
  process.stdout.write(`goal p99 added < 5 ms: ${worst < 5 ? 'met' : 'NOT met'} (worst p99 added ${fmt(worst)})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:gateway failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
