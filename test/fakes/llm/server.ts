import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { anthropicError, anthropicMessage, anthropicStream, type AnthropicRequest } from './anthropic.js';
import { openAiCompletion, openAiError, openAiStream, type OpenAiRequest } from './openai.js';
import type { LlmApi, Script, ScriptTurn } from './script.js';

/** One request the fake received, for assertions (headers as received, body parsed). */
export interface RecordedRequest {
  api: LlmApi;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The status the fake answered. */
  status: number;
}

export interface FakeLlmOptions {
  /** Turns answered in order. More can be added later with `push`. */
  script?: Script;
  /** The API key both APIs require (`Authorization: Bearer …` / `x-api-key`). */
  apiKey: string;
  /** Answer with this turn whenever the script is empty (benchmarks), instead of a 400. */
  repeat?: ScriptTurn;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
}

/** A running fake LLM server. */
export interface FakeLlm {
  /** Base URL, e.g. `http://127.0.0.1:40123` (append `/v1/chat/completions` or `/v1/messages`). */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Appends turns to the script. */
  push(...turns: ScriptTurn[]): void;
  /** Lets a stream held by `holdAfterEvents` go on. */
  release(): void;
  /** Turns not answered yet. */
  remaining(): number;
  close(): Promise<void>;
}

const ROUTES: Record<string, LlmApi> = { '/v1/chat/completions': 'openai', '/v1/messages': 'anthropic' };

function authorized(api: LlmApi, headers: IncomingHttpHeaders, key: string): boolean {
  return api === 'openai' ? headers.authorization === `Bearer ${key}` : headers['x-api-key'] === key;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': `req_fake_${Date.now()}`, ...headers });
  res.end(text);
}

const errorBody = (api: LlmApi, status: number, message: string) => (api === 'openai' ? openAiError(status, message) : anthropicError(status, message));

async function stream(res: ServerResponse, api: LlmApi, turn: ScriptTurn, body: Record<string, unknown>, held: () => Promise<void>): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const frames =
    api === 'openai'
      ? openAiStream(turn, body as OpenAiRequest).map((d) => `data: ${d}\n\n`)
      : anthropicStream(turn, body as AnthropicRequest).map((e) => `event: ${e.event}\ndata: ${e.data}\n\n`);
  for (const [i, frame] of frames.entries()) {
    if (turn.chunkDelayMs) await sleep(turn.chunkDelayMs);
    if (i === turn.holdAfterEvents) await held();
    res.write(frame);
  }
  res.end();
}

/**
 * Starts the fake LLM on 127.0.0.1: `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages`
 * (Anthropic), each request answered by the next scripted turn; see README.md.
 * @example const llm = await startFakeLlm({ apiKey: 'sk-test', script: [{ text: 'hi' }] });
 */
export async function startFakeLlm(opts: FakeLlmOptions): Promise<FakeLlm> {
  const turns: ScriptTurn[] = [...(opts.script ?? [])];
  const requests: RecordedRequest[] = [];
  let releases: Array<() => void> = [];
  let released = 0;
  const held = () => (released > 0 ? Promise.resolve(void released--) : new Promise<void>((r) => releases.push(r)));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const api = ROUTES[path];
    if (req.method !== 'POST' || !api) return sendJson(res, 404, { error: { message: `fake-llm: no route ${req.method} ${path}` } });
    const body = await readJson(req);
    const record = (status: number) => requests.push({ api, path, headers: req.headers, body, status });
    if (!authorized(api, req.headers, opts.apiKey)) {
      record(401);
      return sendJson(res, 401, errorBody(api, 401, 'fake-llm: invalid API key'));
    }
    const turn = turns.shift() ?? opts.repeat;
    if (!turn || (turn.api && turn.api !== api)) {
      const why = turn ? `the next turn is for the ${turn.api} API, this request is ${api}` : `script exhausted after ${requests.length} requests`;
      record(400);
      return sendJson(res, 400, errorBody(api, 400, `fake-llm: ${why}`));
    }
    if (turn.delayMs) await sleep(turn.delayMs);
    if (turn.drop) {
      record(0);
      req.socket.destroy();
      return;
    }
    if (turn.status && turn.status >= 400) {
      record(turn.status);
      const headers: Record<string, string> = turn.retryAfter !== undefined ? { 'retry-after': String(turn.retryAfter) } : {};
      return sendJson(res, turn.status, errorBody(api, turn.status, turn.message ?? `fake-llm: scripted ${turn.status}`), headers);
    }
    record(200);
    if (body.stream === true) return stream(res, api, turn, body, held);
    const reply = api === 'openai' ? openAiCompletion(turn, body as OpenAiRequest) : anthropicMessage(turn, body as AnthropicRequest);
    return sendJson(res, 200, reply);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake-llm: ${String(err)}` } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    push: (...more) => void turns.push(...more),
    remaining: () => turns.length,
    release: () => {
      const waiting = releases;
      releases = [];
      if (waiting.length === 0) released++;
      for (const r of waiting) r();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
