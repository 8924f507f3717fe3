/**
 * The LLM gateway against a real kube-apiserver (TokenReview of TokenRequest tokens, AgentTasks
 * and the endpoint Secret read over the API) and the fake LLM: both APIs, streaming and not, the
 * key injected, tokens bound to their task, budgets, upstream retries and failures, transcripts.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { request } from 'undici';
import type { AgentTask } from '../../src/api/agenttask/index.js';
import { AGENTTASKS } from '../../src/api/resources.js';
import {
  TokenVerifier,
  endpointFromSecret,
  kubeSecretReader,
  kubeTaskLoader,
  kubeTokenReview,
  registerLlmGateway,
  taskServiceAccountName,
  type BudgetExceededEvent,
  type LlmGateway,
} from '../../src/agents/gateway/index.js';
import { RestClient } from '../../src/runtime/index.js';
import { toolPath } from '../../src/cluster/tools.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/index.js';
import { controlPlane, createNamespace, deleteNamespace } from '../harness/index.js';

const KEY = 'sk-fake-upstream-key-7f3a9c1e5b2d';

describe('LLM gateway (real apiserver, fake LLM)', () => {
  let admin: KubeConfig;
  let rest: RestClient;
  let core: CoreV1Api;
  let ns: string;
  let llm: FakeLlm;
  let app: FastifyInstance;
  let gw: LlmGateway;
  let base: string;
  let dir: string;
  const registry = new Registry();
  const budgetEvents: BudgetExceededEvent[] = [];
  const tokens: Record<string, string> = {};

  async function createTask(name: string, spec: Partial<AgentTask['spec']> = {}, secret = 'llm'): Promise<string> {
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: taskServiceAccountName(name) } } });
    await rest.create<AgentTask>(AGENTTASKS, {
      metadata: { name, namespace: ns },
      spec: { org: 'acme', repo: { url: 'https://git.example/acme/app.git' }, source: { inline: { title: name } }, agent: { endpointSecretRef: { name: secret } }, ...spec },
    } as AgentTask);
    const tr = await core.createNamespacedServiceAccountToken({ name: taskServiceAccountName(name), namespace: ns, body: { spec: { audiences: ['weft'], expirationSeconds: 600 } } });
    tokens[name] = tr.status!.token!;
    return tokens[name]!;
  }

  beforeAll(async () => {
    admin = (await controlPlane()).kubeConfig();
    rest = new RestClient(admin);
    core = admin.makeApiClient(CoreV1Api);
    ns = await createNamespace(admin, 'gateway');
    llm = await startFakeLlm({ apiKey: KEY });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'llm' }, stringData: { url: llm.url, apiKey: KEY } } });
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'llm-down' }, stringData: { url: 'http://127.0.0.1:1/v1', apiKey: KEY } } });
    dir = await mkdtemp(join(tmpdir(), 'gw-transcripts-'));
    app = Fastify();
    gw = registerLlmGateway(app, {
      verifier: new TokenVerifier({ review: kubeTokenReview(rest), ttlMs: 30_000 }),
      loadTask: kubeTaskLoader(rest),
      loadEndpoint: endpointFromSecret(kubeSecretReader(rest)),
      transcriptDir: dir,
      metrics: registry,
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
      events: { onBudgetExceeded: (e) => budgetEvents.push(e) },
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    await createTask('task-a');
    await createTask('task-b');
  });
  afterAll(async () => {
    await app?.close();
    await llm?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await deleteNamespace(admin, ns);
  });

  const openai = (taskName: string, body: Record<string, unknown>, token = tokens[taskName]) =>
    request(`${base}/llm/${ns}/${taskName}/openai/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const anthropic = (taskName: string, body: Record<string, unknown>, token = tokens[taskName]) =>
    request(`${base}/llm/${ns}/${taskName}/anthropic/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...(token ? { 'x-api-key': token } : {}) }, body: JSON.stringify(body) });
  const lastAtFake = () => llm.requests.at(-1)!;

  it('proxies a non-streaming OpenAI completion with the key injected and the agent token kept back', async () => {
    llm.push({ text: 'Hello from the fake', model: 'gpt-fake', usage: { input: 50, output: 5, cached: 20 } });
    const res = await openai('task-a', { model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('Hello from the fake');
    expect(lastAtFake().headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(lastAtFake().headers)).not.toContain(tokens['task-a']);
  });

  it('proxies a streaming OpenAI completion with tool calls and counts its usage', async () => {
    llm.push({ toolCalls: [{ name: 'read_file', arguments: { path: 'src/a.ts' } }], model: 'gpt-fake', usage: { input: 100, output: 12 } });
    const res = await openai('task-a', { model: 'gpt-fake', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'read it' }] });
    const text = await res.body.text();
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(text).toContain('"tool_calls":[{"index":0');
    expect(text).toContain('"usage":{"prompt_tokens":100');
    expect(text).toMatch(/data: \[DONE\]\n\n$/);
    expect(gw.usage({ namespace: ns, name: 'task-a' })).toMatchObject({ requests: 2, inputTokens: 150, outputTokens: 17, cachedTokens: 20 });
  });

  it('proxies Anthropic messages, streaming and not, with x-api-key injected', async () => {
    llm.push({ text: 'plain', model: 'claude-fake', usage: { input: 10, output: 2, cached: 4 } });
    const plain = await anthropic('task-b', { model: 'claude-fake', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(((await plain.body.json()) as { content: unknown[] }).content).toEqual([{ type: 'text', text: 'plain' }]);
    expect(lastAtFake().headers['x-api-key']).toBe(KEY);
    expect(lastAtFake().headers['anthropic-version']).toBe('2023-06-01');
    llm.push({ text: 'streamed words', toolCalls: [{ name: 'run', arguments: { cmd: 'npm test' } }], model: 'claude-fake', usage: { input: 30, output: 9 } });
    const streamed = await anthropic('task-b', { model: 'claude-fake', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'go' }] });
    const text = await streamed.body.text();
    for (const ev of ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']) expect(text).toContain(`event: ${ev}\n`);
    expect(text).toContain('"type":"tool_use"');
    expect(gw.usage({ namespace: ns, name: 'task-b' }).models).toEqual([{ model: 'claude-fake', requests: 2, inputTokens: 40, outputTokens: 11, cachedTokens: 4 }]);
    const metrics = await registry.metrics();
    expect(metrics).toContain(`weft_llm_tokens_total{namespace="${ns}",task="task-b",model="claude-fake",kind="input"} 40`);
    expect(metrics).toContain(`weft_llm_requests_total{namespace="${ns}",task="task-b",model="claude-fake",code="200"} 2`);
  });

  it('refuses task A\'s token on task B\'s routes (403), no token (401), and a token for another audience (401)', async () => {
    const before = llm.requests.length;
    const crossed = await openai('task-b', { model: 'm', messages: [] }, tokens['task-a']);
    expect(crossed.statusCode).toBe(403);
    expect(((await crossed.body.json()) as { error: { message: string } }).error.message).toContain(`may not use the LLM routes of AgentTask ${ns}/task-b`);
    const none = await anthropic('task-a', { model: 'm', messages: [] }, '');
    expect(none.statusCode).toBe(401);
    expect(((await none.body.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
    const apiAudience = await core.createNamespacedServiceAccountToken({ name: taskServiceAccountName('task-a'), namespace: ns, body: { spec: { audiences: [], expirationSeconds: 600 } } });
    expect((await openai('task-a', { model: 'm', messages: [] }, apiAudience.status!.token!)).statusCode).toBe(401);
    expect(llm.requests.length).toBe(before);
  });

  it('answers 429 with the spent budget and tells the controller, until the budget is raised', async () => {
    await createTask('task-budget', { budget: { maxTokens: 100 } });
    llm.push({ text: 'big', usage: { input: 90, output: 20 } });
    expect((await openai('task-budget', { model: 'gpt-fake', messages: [] })).statusCode).toBe(200);
    const refused = await openai('task-budget', { model: 'gpt-fake', messages: [] });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['x-should-retry']).toBe('false');
    const err = ((await refused.body.json()) as { error: { message: string; code: string; weft: Record<string, unknown> } }).error;
    expect(err.code).toBe('BudgetExceeded');
    expect(err.weft).toEqual({ code: 'BudgetExceeded', budget: 'maxTokens', limit: 100, used: 110 });
    expect(err.message).toContain(`budget spec.budget.maxTokens=100 of AgentTask ${ns}/task-budget is spent (110 tokens)`);
    expect(err.message).toContain(`kubectl patch agenttask task-budget -n ${ns}`);
    expect(budgetEvents).toContainEqual(expect.objectContaining({ task: { namespace: ns, name: 'task-budget' }, budget: 'maxTokens', limit: 100, used: 110 }));
    await rest.patch(AGENTTASKS, { name: 'task-budget', namespace: ns }, { spec: { budget: { maxTokens: 1000 } } });
    llm.push({ text: 'more' });
    expect((await openai('task-budget', { model: 'gpt-fake', messages: [] })).statusCode).toBe(200);
  });

  it('retries the fake\'s 429 and 500 with backoff, then succeeds', async () => {
    llm.push({ status: 429, retryAfter: 0, message: 'slow down' }, { status: 500 }, { text: 'third time lucky', chunkDelayMs: 1, delayMs: 20 });
    const res = await anthropic('task-b', { model: 'claude-fake', max_tokens: 10, stream: true, messages: [] });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-weft-upstream-retries']).toBe('2');
    expect(await res.body.text()).toContain('lucky');
    expect(llm.requests.slice(-3).map((r) => r.status)).toEqual([429, 500, 200]);
  });

  it('answers 502 naming the endpoint host when the LLM cannot be reached', async () => {
    await createTask('task-down', {}, 'llm-down');
    const res = await openai('task-down', { model: 'gpt-fake', messages: [] });
    expect(res.statusCode).toBe(502);
    expect(((await res.body.json()) as { error: { message: string } }).error.message).toMatch(/the LLM endpoint 127\.0\.0\.1:1 is unreachable \(ECONNREFUSED\)/);
  });

  it('writes a JSONL transcript per task attempt with no key and no token in it', async () => {
    llm.push({ text: `the key was ${KEY}` });
    await openai('task-a', { model: 'gpt-fake', messages: [{ role: 'user', content: `leak ${tokens['task-a']}` }] });
    await gw.flush();
    expect(await readdir(join(dir, ns))).toEqual(expect.arrayContaining(['task-a', 'task-b', 'task-budget', 'task-down']));
    for (const t of ['task-a', 'task-b', 'task-budget']) {
      const text = await readFile(join(dir, ns, t, 'attempt-0.jsonl'), 'utf8');
      const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { task: unknown; request: unknown });
      expect(lines.length).toBeGreaterThan(0);
      expect(lines[0]!.task).toEqual({ namespace: ns, name: t });
      expect(text).not.toContain(KEY);
      for (const tok of Object.values(tokens)) expect(text).not.toContain(tok);
    }
    expect(await readFile(join(dir, ns, 'task-a', 'attempt-0.jsonl'), 'utf8')).toContain('[redacted]');
    // A streamed reply is transcribed as the message its events carried.
    const streamed = (await readFile(join(dir, ns, 'task-b', 'attempt-0.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { stream: boolean; usage?: unknown; response: { stream?: { content: unknown[] } } });
    expect(streamed.find((l) => l.stream)).toMatchObject({
      usage: { input: 30, output: 9, cached: 0 },
      response: { stream: { content: [{ type: 'text', text: 'streamed words' }, { type: 'tool_use', name: 'run', input: { cmd: 'npm test' } }] } },
    });
  });

  it('docs/rollback/rotate-secret-key.sh: the next request carries the new key, with no restart and no request without one', async () => {
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'llm-rotate' }, stringData: { url: llm.url, apiKey: KEY } } });
    await createTask('task-r', {}, 'llm-rotate');
    llm.push({ text: 'before', model: 'gpt-fake' });
    expect((await openai('task-r', { model: 'gpt-fake', messages: [{ role: 'user', content: 'a' }] })).statusCode).toBe(200);
    expect(lastAtFake().headers.authorization).toBe(`Bearer ${KEY}`);
    const NEW = 'sk-rotated-upstream-key-2c4e6a8b0d';
    const r = await execa('bash', [join(import.meta.dirname, '..', '..', 'docs', 'rollback', 'rotate-secret-key.sh'), ns, 'llm-rotate', 'apiKey', '--kubeconfig', (await controlPlane()).kubeconfigPath], { input: NEW, reject: false, env: { PATH: `${dirname(toolPath('kubectl'))}:${process.env.PATH}` } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${ns}/llm-rotate key apiKey replaced`);
    expect(r.stdout + r.stderr).not.toContain(NEW);
    llm.push({ text: 'after', model: 'gpt-fake' });
    await openai('task-r', { model: 'gpt-fake', messages: [{ role: 'user', content: 'b' }] });
    expect(lastAtFake().headers.authorization).toBe(`Bearer ${NEW}`);
  });
});
