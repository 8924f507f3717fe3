/**
 * One side of bench/gateway.ts in its own process, as in production where the agent, the operator
 * and the LLM are separate processes: `role: 'fake'` serves the fake LLM repeating one turn;
 * `role: 'gateway'` serves the LLM gateway in front of it. The role comes as JSON in argv[2].
 * Sends `{ url }` over IPC when listening; on the message 'stop' sends `{ usage, cpuMs }` (the
 * process's CPU time while serving: its own cost, whatever else the machine runs) and exits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AgentTask } from '../src/api/agenttask/index.js';
import { TokenVerifier, registerLlmGateway } from '../src/agents/gateway/index.js';
import { startFakeLlm, type ScriptTurn } from '../test/fakes/llm/index.js';

/** What the bench gives a worker. */
export type WorkerRole = { role: 'fake'; apiKey: string; turn: ScriptTurn } | { role: 'gateway'; apiKey: string; upstream: string };

const TASK = { apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata: { name: 'bench', namespace: 'acme' }, spec: { org: 'acme', repo: { url: 'https://x/y' }, source: { inline: { title: 'b' } } } } as AgentTask;

async function fake(w: Extract<WorkerRole, { role: 'fake' }>): Promise<void> {
  const llm = await startFakeLlm({ apiKey: w.apiKey, repeat: w.turn });
  send({ url: llm.url });
  process.once('message', () => void llm.close().then(() => send({}, true)));
}

async function gateway(w: Extract<WorkerRole, { role: 'gateway' }>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-gateway-'));
  const app = Fastify({ logger: false });
  const gw = registerLlmGateway(app, {
    verifier: new TokenVerifier({ review: async () => ({ authenticated: true, user: { username: 'system:serviceaccount:acme:weft-task-bench' } }) }),
    loadTask: async () => TASK,
    loadEndpoint: async () => ({ url: w.upstream, apiKey: w.apiKey }),
    transcriptDir: dir,
    metrics: new Registry(),
    log: pino({ level: 'warn' }),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const cpu = process.cpuUsage();
  send({ url });
  process.once('message', () => {
    void (async () => {
      await gw.flush();
      const used = process.cpuUsage(cpu);
      const cpuMs = (used.user + used.system) / 1000;
      await app.close();
      await rm(dir, { recursive: true, force: true });
      send({ usage: gw.usage({ namespace: 'acme', name: 'bench' }), cpuMs }, true);
    })();
  });
}

function send(m: unknown, last = false): void {
  process.send!(m, undefined, {}, () => {
    if (last) process.exit(0);
  });
}

const w = JSON.parse(process.argv[2]!) as WorkerRole;
await (w.role === 'fake' ? fake(w) : gateway(w));
