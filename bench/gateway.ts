/**
 * npm run bench:gateway — the LLM gateway's added latency on a streamed completion: the same
 * scripted stream from the fake LLM, fetched directly, through the gateway and through a bare
 * pass-through proxy (rounds of one call each, the order rotating; same run, same client), N rounds
 * after a warm-up. The upstream stream is the same on all three sides: the direct and bare calls ask
 * for usage (`stream_options.include_usage`) as the gateway does on the agent's behalf (the gateway
 * then drops that chunk on its way back). Prints p50/p99 of time to first byte and to the last byte for each, and p50/p99 of
 * the per-round difference from the direct call ("added"). Goal (issue 16): p99 added < 5 ms. The
 * bare proxy (node:http piping to undici, nothing checked, counted or written) is the floor: what
 * any extra hop costs on this machine, so that the gateway's own share can be told from the hop's.
 * The client (here), the gateway, the bare proxy and the fake LLM run in separate processes
 * (bench/gateway-worker.ts), so that one's work does not delay another's timers. The CPU time per
 * request of each process is printed too: on a busy machine the latency tails measure the machine
 * more than the gateway.
 * The gateway runs as in the operator: transcripts on, metrics on, TokenReview answers cached (a
 * stub verifier stands in for the apiserver, which a cached review does not reach), the task read
 * from memory (the operator reads it from its informer cache).
 * Bounded: BENCH_CALLS (default 500) rounds (half for the paced scenario), 3-minute overall limit.
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
const REQUEST = { model: 'gpt-bench', stream: true, messages: [{ role: 'system', content: 'You are a coding agent.' }, { role: 'user', content: 'x'.repeat(4000) }] };
/** What the agent sends to the gateway: no `stream_options`, so the gateway asks for usage and drops that chunk. */
const BODY = JSON.stringify(REQUEST);
/** What the gateway sends upstream, sent as it is to the fake and the bare proxy: the same upstream stream for all three sides. */
const UPSTREAM_BODY = JSON.stringify({ ...REQUEST, stream_options: { include_usage: true } });

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

interface Sample {
  ttfb: number;
  total: number;
}

async function once(client: Agent, side: Sides[Side]): Promise<Sample> {
  const t0 = performance.now();
  const res = await request(side.url, { method: 'POST', headers: { 'content-type': 'application/json', ...side.headers }, body: side.body, dispatcher: client });
  let ttfb = 0;
  let bytes = 0;
  for await (const chunk of res.body) {
    if (!ttfb) ttfb = performance.now() - t0;
    bytes += (chunk as Buffer).length;
  }
  if (res.statusCode !== 200 || bytes === 0) throw new Error(`${side.url}: HTTP ${res.statusCode}, ${bytes} bytes`);
  return { ttfb, total: performance.now() - t0 };
}

interface Scenario {
  name: string;
  turn: ScriptTurn;
  calls: number;
}

type Side = 'direct' | 'proxied' | 'bare';
const SIDES: Side[] = ['direct', 'proxied', 'bare'];
type Sides = Record<Side, { url: string; headers: Record<string, string>; body: string }>;
type Samples = Record<Side, Sample[]>;

/** Runs a scenario: warm-up, then rounds of one call per side (the order rotating each round). */
async function run(sc: Scenario, io: { client: Agent; sides: Sides; deadline: number; afterWarmup: () => void }): Promise<Samples> {
  const samples: Samples = { direct: [], proxied: [], bare: [] };
  for (let i = 0; i < WARMUP + sc.calls && Date.now() < io.deadline; i++) {
    if (i === WARMUP) io.afterWarmup();
    const order = [...SIDES.slice(i % 3), ...SIDES.slice(0, i % 3)];
    if (Math.floor(i / 3) % 2 === 1) order.reverse();
    for (const side of order) {
      const s = await once(io.client, io.sides[side]);
      if (i >= WARMUP) samples[side].push(s);
    }
  }
  return samples;
}

/** The per-round difference of a side from the direct call. */
const addedTo = (xs: number[], direct: number[]) => xs.map((x, i) => x - direct[i]!);

/** p50/p99 of a side and of its per-round difference from direct. */
function line(name: string, xs: number[], direct: number[]): string {
  const added = addedTo(xs, direct);
  return `${name} p50 ${fmt(pct(xs, 50))} p99 ${fmt(pct(xs, 99))}, added p50 ${fmt(pct(added, 50))} p99 ${fmt(pct(added, 99))} (p99 − direct p99: ${fmt(pct(xs, 99) - pct(direct, 99))})`;
}

function report(sc: Scenario, samples: Samples): { gateway: number; bare: number } {
  const n = samples.direct.length;
  process.stdout.write(`${sc.name}: ${n} rounds\n`);
  const addedP99 = { gateway: 0, bare: 0 };
  for (const metric of ['ttfb', 'total'] as const) {
    const [d, p, b] = SIDES.map((side) => samples[side].map((s) => s[metric])) as [number[], number[], number[]];
    process.stdout.write(`  ${metric === 'ttfb' ? 'first byte' : 'last byte '}: direct p50 ${fmt(pct(d, 50))} p99 ${fmt(pct(d, 99))}\n`);
    process.stdout.write(`    ${line('via gateway    ', p, d)}\n    ${line('via bare proxy ', b, d)}\n`);
    if (metric === 'total') Object.assign(addedP99, { gateway: pct(addedTo(p, d), 99), bare: pct(addedTo(b, d), 99) });
  }
  return addedP99;
}

/** What a side reports when it stops (bench/gateway-worker.ts). */
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
  process.stdout.write(`gateway overhead on streamed OpenAI completions (${BODY.length} B request, ${WARMUP} warm-up rounds per scenario; client, gateway, bare proxy and fake LLM in separate processes; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);
  const worst = { gateway: 0, bare: 0 };
  for (const sc of scenarios) {
    const fake = await startWorker({ role: 'fake', apiKey: KEY, turn: sc.turn });
    const gw = await startWorker({ role: 'gateway', apiKey: KEY, upstream: fake.url });
    const bare = await startWorker({ role: 'bare', apiKey: KEY, upstream: fake.url });
    const client = new Agent({ connections: 4 });
    const sides: Sides = {
      direct: { url: `${fake.url}/v1/chat/completions`, headers: { authorization: `Bearer ${KEY}` }, body: UPSTREAM_BODY },
      proxied: { url: `${gw.url}/llm/acme/bench/openai/v1/chat/completions`, headers: { authorization: `Bearer ${TOKEN}` }, body: BODY },
      bare: { url: bare.url, headers: {}, body: UPSTREAM_BODY },
    };
    try {
      const added = report(sc, await run(sc, { client, sides, deadline, afterWarmup: () => (gw.mark(), fake.mark(), bare.mark()) }));
      worst.gateway = Math.max(worst.gateway, added.gateway);
      worst.bare = Math.max(worst.bare, added.bare);
    } finally {
      await client.close();
      const { usage, cpuMs, requests } = await gw.stop();
      const bareStopped = await bare.stop();
      const fakeStopped = await fake.stop();
      const per = (x: Stopped) => (x.cpuMs !== undefined && x.requests ? `${((x.cpuMs * 1000) / x.requests).toFixed(0)} µs` : '?');
      process.stdout.write(`  CPU per request after the warm-up (user + system, all threads of the process): gateway ${per({ cpuMs, requests })}, bare proxy ${per(bareStopped)}, fake LLM ${per(fakeStopped)}; the gateway counted ${usage?.requests} requests, ${usage?.inputTokens} input / ${usage?.outputTokens} output tokens\n`);
    }
  }
  process.stdout.write(
    `goal p99 added < 5 ms: ${worst.gateway < 5 ? 'met' : 'NOT met'} (worst p99 added, last byte: gateway ${fmt(worst.gateway)}; the bare proxy, the floor of any extra hop on this machine, ${fmt(worst.bare)})\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:gateway failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
