/**
 * The gateway's routes over real HTTP on loopback, against the fake LLM, with a stub token
 * verifier (the TokenReview path against a real apiserver is in test/integration/gateway.test.ts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { request } from 'undici';
import type { AgentTask } from '../../api/agenttask/index.js';
import { startFakeLlm, type FakeLlm } from '../../../test/fakes/llm/index.js';
import { GatewayError } from './errors.js';
import { registerLlmGateway, type LlmGateway, type UpstreamFailureEvent } from './routes.js';

const KEY = 'sk-upstream-secret-000111222333';
const TOKEN = 'agent-token-of-t1-abcdef';
const task = (name: string, spec: Partial<AgentTask['spec']> = {}): AgentTask =>
  ({ apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata: { name, namespace: 'acme' }, spec: { org: 'acme', repo: { url: 'https://x/y' }, source: { inline: { title: 't' } }, ...spec } }) as AgentTask;

describe('LLM gateway routes (fake upstream, stub verifier)', () => {
  let llm: FakeLlm;
  let app: FastifyInstance;
  let gw: LlmGateway;
  let base: string;
  let dir: string;
  const tasks = new Map<string, AgentTask>();
  const failures: UpstreamFailureEvent[] = [];
  let endpointUrl = '';

  beforeAll(async () => {
    llm = await startFakeLlm({ apiKey: KEY });
    endpointUrl = llm.url;
    dir = await mkdtemp(join(tmpdir(), 'gw-unit-'));
    app = Fastify();
    gw = registerLlmGateway(app, {
      verifier: { verify: async (t) => (t === TOKEN ? { namespace: 'acme', serviceAccount: 'weft-task-t1' } : undefined) },
      loadTask: async (k) => tasks.get(k.name),
      loadEndpoint: async (t) => {
        if (t.metadata.name === 'noendpoint') throw new GatewayError(500, 'EndpointNotConfigured', 'AgentTask acme/noendpoint has no spec.agent.endpointSecretRef');
        return { url: endpointUrl, apiKey: KEY };
      },
      transcriptDir: dir,
      metrics: new Registry(),
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      events: { onUpstreamFailure: (e) => failures.push(e) },
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  beforeEach(() => {
    tasks.set('t1', task('t1'));
    endpointUrl = llm.url;
  });
  afterAll(async () => {
    await app.close();
    await llm.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    request(`${base}/llm/acme/t1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('passes a stream through as it arrives, without the usage chunk it asked for on the agent\'s behalf', async () => {
    llm.push({ text: 'one two three four', model: 'gpt-x', usage: { input: 30, output: 4, cached: 10 }, holdAfterEvents: 2 });
    const res = await post('openai/v1/chat/completions', { model: 'gpt-x', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const it = res.body[Symbol.asyncIterator]();
    // The upstream holds after two events: the agent has them before the upstream goes on.
    let got = '';
    while ((got.match(/\n\n/g) ?? []).length < 2) got += Buffer.from((await it.next()).value as Buffer).toString();
    expect(got).toContain('"role":"assistant"');
    llm.release();
    for (let r = await it.next(); !r.done; r = await it.next()) got += Buffer.from(r.value as Buffer).toString();
    expect(got).toMatch(/data: \[DONE\]\n\n$/);
    expect(got).not.toContain('"choices":[]');
    expect(llm.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(llm.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    await gw.flush();
    expect(gw.usage({ namespace: 'acme', name: 't1' }).models).toContainEqual({ model: 'gpt-x', requests: 1, inputTokens: 30, outputTokens: 4, cachedTokens: 10 });
  });

  it('stops the upstream stream when the agent goes away, and counts the request as ended', async () => {
    const t1 = { namespace: 'acme', name: 't1' };
    const before = gw.usage(t1).requests ?? 0;
    llm.push({ text: 'a b c d e f', holdAfterEvents: 2 });
    const res = await post('openai/v1/chat/completions', { model: 'gpt-x', stream: true, messages: [] });
    await res.body[Symbol.asyncIterator]().next();
    res.body.destroy();
    // Until the gateway sees the close, the request is in flight; then it has ended, with the cause in the transcript.
    for (let i = 0; i < 200 && !(await readFile(join(dir, 'acme', 't1', 'attempt-0.jsonl'), 'utf8').catch(() => '')).includes('stream interrupted'); i++) {
      await new Promise((r) => setImmediate(r));
      await gw.flush();
    }
    expect(await readFile(join(dir, 'acme', 't1', 'attempt-0.jsonl'), 'utf8')).toContain('stream interrupted');
    expect(gw.usage(t1).requests).toBe(before + 1);
    expect(gw.ledger.use(t1).requests).toBe(before + 1);
    llm.release();
  });

  it('retries 429 (retry-after) and 500, then answers with the success', async () => {
    llm.push({ status: 429, retryAfter: 0 }, { status: 500 }, { text: 'ok' });
    const res = await post('anthropic/v1/messages', { model: 'claude-x', max_tokens: 10, messages: [] }, { 'x-api-key': TOKEN });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-weft-upstream-retries']).toBe('2');
    expect(((await res.body.json()) as { content: unknown[] }).content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('gives up after the bounded retries and returns the upstream\'s error with its cause', async () => {
    llm.push(...Array.from({ length: 4 }, () => ({ status: 500, message: 'the model is on fire' })));
    const res = await post('openai/v1/chat/completions', { model: 'gpt-x', messages: [] });
    expect(res.statusCode).toBe(500);
    expect(((await res.body.json()) as { error: { message: string } }).error.message).toBe('the model is on fire');
    expect(failures.at(-1)).toMatchObject({ task: { namespace: 'acme', name: 't1' }, status: 500, retries: 3, message: 'upstream answered 500: the model is on fire' });
    expect(llm.remaining()).toBe(0);
  });

  it('retries a dropped connection, then answers 502 naming the host when the endpoint is down', async () => {
    llm.push({ drop: true }, { text: 'after a drop' });
    expect((await post('openai/v1/chat/completions', { model: 'gpt-x', messages: [] })).statusCode).toBe(200);
    endpointUrl = 'http://127.0.0.1:1';
    const res = await post('openai/v1/chat/completions', { model: 'gpt-x', messages: [] });
    expect(res.statusCode).toBe(502);
    const body = (await res.body.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('UpstreamUnreachable');
    expect(body.error.message).toMatch(/the LLM endpoint 127\.0\.0\.1:1 is unreachable \(ECONNREFUSED\) after 4 tries/);
  });

  it('answers a task without endpoint with the reason, in the API\'s error format', async () => {
    tasks.set('t1', task('noendpoint'));
    const res = await post('anthropic/v1/messages', { model: 'c', messages: [] }, { 'x-api-key': TOKEN });
    expect(res.statusCode).toBe(500);
    expect(await res.body.json()).toEqual({ type: 'error', error: { type: 'api_error', message: 'weft gateway: AgentTask acme/noendpoint has no spec.agent.endpointSecretRef', weft: { code: 'EndpointNotConfigured' } } });
  });

  it('writes transcripts without the upstream key or the agent token', async () => {
    llm.push({ text: `echo ${KEY}` });
    await post('openai/v1/chat/completions', { model: 'gpt-x', messages: [{ role: 'user', content: `my token is ${TOKEN}` }] });
    await gw.flush();
    const text = await readFile(join(dir, 'acme', 't1', 'attempt-0.jsonl'), 'utf8');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(TOKEN);
  });
});
