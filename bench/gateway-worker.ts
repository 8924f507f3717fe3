/**
 * One side of bench/gateway.ts in its own process, as in production where the agent, the operator
 * and the LLM are separate processes: `role: 'fake'` serves the fake LLM repeating one turn;
 * `role: 'gateway'` serves the LLM gateway in front of it. The role comes as JSON in argv[2].
 * Sends `{ url }` over IPC when listening; the message 'mark' (after the warm-up) starts the CPU
 * count; on the message 'stop' it sends `{ usage, cpuMs, requests }` (the
 * process's CPU time while serving: its own cost, whatever else the machine runs) and exits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { request } from 'undici';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AgentTask } from '../src/api/agenttask/index.js';
import { TokenVerifier, registerLlmGateway } from '../src/agents/gateway/index.js';
import { startFakeLlm, type ScriptTurn } from '../test/fakes/llm/index.js';

/** What the bench gives a worker. */
export type WorkerRole = { role: 'fake'; apiKey: string; turn: ScriptTurn } | { role: 'gateway'; apiKey: string; upstream: string } | { role: 'bare'; apiKey: string; upstream: string };

const TASK = { apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata: { name: 'bench', namespace: 'acme' }, spec: { org: 'acme', repo: { url: 'https://x/y' }, source: { inline: { title: 'b' } } } } as AgentTask;

async function fake(w: Extract<WorkerRole, { role: 'fake' }>): Promise<void> {
  const llm = await startFakeLlm({ apiKey: w.apiKey, repeat: w.turn });
  send({ url: llm.url });
  control({ requests: () => llm.requests.length, close: () => llm.close() });
}

async function gateway(w: Extract<WorkerRole, { role: 'gateway' }>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-gateway-'));
  const app = Fastify({ logger: false });
  const gw = registerLlmGateway(app, {
    verifier: new TokenVerifier({ review: async () => ({ authenticated: true, user: { username: 'system:serviceaccount:acme:weft-task-bench' } }) }),
    loadTask: async () => TASK,
    loadEndpoint: async () => ({ url: w.upstream, apiKey: w.apiKey }),
    ...(process.env.BENCH_TRANSCRIPT === '0' ? {} : { transcriptDir: dir }),
    metrics: new Registry(),
    log: pino({ level: 'warn' }),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  send({ url });
  const task = { namespace: 'acme', name: 'bench' };
  control({
    requests: () => gw.usage(task).requests ?? 0,
    settle: () => gw.flush(),
    extra: () => ({ usage: gw.usage(task) }),
    close: async () => {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  });
}

/**
 * The floor: a bare pass-through proxy (node:http and undici, the key injected, nothing checked,
 * counted or written), so that the gateway's added latency can be told from the extra hop's.
 */
async function bare(w: Extract<WorkerRole, { role: 'bare' }>): Promise<void> {
  const upstream = new URL('/v1/chat/completions', w.upstream);
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    void request(upstream, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${w.apiKey}` }, body: req }).then(
      (up) => {
        res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/octet-stream') });
        up.body.pipe(res);
      },
      () => res.writeHead(502).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  send({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  control({ requests: () => requests, close: () => new Promise((resolve) => server.close(resolve)) });
}

/**
 * Answers the bench's messages: 'mark' starts counting the process's CPU time and requests (after the
 * warm-up); 'stop' lets pending work settle, sends the counts (and `extra`), closes and exits.
 */
function control(o: { requests: () => number; close: () => Promise<unknown>; settle?: () => Promise<void>; extra?: () => Record<string, unknown> }): void {
  let cpu = process.cpuUsage();
  let atMark = 0;
  process.on('message', (m) => {
    if (m === 'mark') {
      cpu = process.cpuUsage();
      atMark = o.requests();
      return;
    }
    if (m !== 'stop') return;
    void (async () => {
      await o.settle?.();
      const used = process.cpuUsage(cpu);
      const counts = { ...o.extra?.(), cpuMs: (used.user + used.system) / 1000, requests: o.requests() - atMark };
      await o.close();
      send(counts, true);
    })();
  });
}

function send(m: unknown, last = false): void {
  process.send!(m, undefined, {}, () => {
    if (last) process.exit(0);
  });
}

const w = JSON.parse(process.argv[2]!) as WorkerRole;
await (w.role === 'fake' ? fake(w) : w.role === 'bare' ? bare(w) : gateway(w));
