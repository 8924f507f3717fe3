/**
 * The operator with `--otlp-endpoint` pointing at a real collector (ocb-built, file exporter): the
 * runtime's reconcile spans reach the collector with the object they reconciled; without the flag
 * the operator starts no tracing at all.
 */
import { trace } from '@opentelemetry/api';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { AGENTTASKS, JOBS, MESHNODES, WORKLOADS } from '../../src/api/resources.js';
import { recordLlmSpan } from '../../src/telemetry/spans.js';
import { CoreV1Api } from '@kubernetes/client-node';
import { taskServiceAccountName } from '../../src/agents/gateway/identity.js';
import { exportStepSpans, StepSpans } from '../../src/agents/run/spans.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { CONTROLLERS } from '../../src/operator/controllers.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { RestClient } from '../../src/runtime/index.js';
import { LocalCollector } from '../../src/telemetry/local-collector.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, testLogger, uniqueName } from '../harness/index.js';

describe('operator tracing (real apiserver, real collector)', () => {
  let admin: KubeConfig;
  let kubeconfig: string;
  let rest: RestClient;
  let ns: string;
  let otel: LocalCollector;
  let op: RunningOperator | undefined;
  const nodes: string[] = [];

  beforeAll(async () => {
    const cp = await controlPlane();
    admin = cp.kubeConfig();
    kubeconfig = cp.kubeconfigPath;
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'otel');
    otel = await LocalCollector.start();
  });
  afterAll(async () => {
    await op?.stop();
    for (const n of nodes) await rest.delete(MESHNODES, n).catch(() => undefined);
    await otel?.stop();
    if (ns) await deleteNamespace(admin, ns);
  });

  it('exports a "reconcile meshnode" span per reconcile with the object and controller as attributes', async () => {
    // Given the operator with --otlp-endpoint and only the MeshNode controller
    const cfg = parseOperatorConfig({ kubeconfig, httpAddr: '127.0.0.1:0', namespace: ns, leaderElect: false, logLevel: 'warn', otlpEndpoint: otel.endpoint }, {});
    expect(cfg.tracing).toEqual({ endpoint: otel.endpoint });
    op = await runOperator(cfg, testLogger(`operator (traces ${ns})`), { controllers: CONTROLLERS.filter((c) => c.name === 'meshnode') });
    await op.mgr.waitForSync();
    // When a MeshNode is created
    const name = uniqueName('traced');
    nodes.push(name);
    await rest.create(MESHNODES, { metadata: { name }, spec: { org: 'acme' } });
    // Then the collector's file holds its reconcile span, exported by the operator's SDK (batched)
    const spans = await otel.waitForSpans((all) => all.some((s) => s.name === 'reconcile meshnode' && s.attributes['weft.name'] === name), { timeoutMs: 30_000 });
    const span = spans.find((s) => s.name === 'reconcile meshnode' && s.attributes['weft.name'] === name)!;
    expect(span.serviceName).toBe('weft-operator');
    expect(span.scope).toBe('weft');
    expect(span.attributes).toMatchObject({ 'weft.kind': 'meshnode', 'weft.controller': 'meshnode' });
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    await op.stop();
    op = undefined;
    // and stopping the operator unregisters the SDK: spans are no-ops again
    expect(trace.getTracer('weft').startSpan('after stop').isRecording()).toBe(false);
  });

  it('a Job run is one trace: status.traceId, TRACEPARENT in its pod, its reconciles as children, a "run job" span ending with the outcome', async () => {
    // Given the operator with tracing and the Workload and Job controllers (no node: the pod never starts)
    const cfg = parseOperatorConfig({ kubeconfig, httpAddr: '127.0.0.1:0', namespace: ns, leaderElect: false, logLevel: 'warn', otlpEndpoint: otel.endpoint }, {});
    op = await runOperator(cfg, testLogger(`operator (job traces ${ns})`), { controllers: CONTROLLERS.filter((c) => c.name === 'workload' || c.name === 'job') });
    await op.mgr.waitForSync();
    // When a Job starts, and its deadline passes
    await rest.create(JOBS, { apiVersion: 'weft.dev/v1alpha1', kind: 'Job', metadata: { name: 'traced-job', namespace: ns }, spec: { org: ns, template: 'ci-runner', params: { repo: 'http://gitea.invalid:3000/acme/toy.git' }, activeDeadlineSeconds: 2 } });
    const job = await eventually(async () => {
      const j = await rest.get<KubernetesObject & { status?: { traceId?: string; phase?: string; reason?: string } }>(JOBS, 'traced-job', ns);
      expect(j.status?.traceId).toMatch(/^[0-9a-f]{32}$/);
      return j;
    }, { description: 'status.traceId' });
    const traceId = job.status!.traceId!;
    const wl = await rest.get<KubernetesObject & { spec: { template: { spec: { containers: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> } } } }>(WORKLOADS, 'traced-job-1', ns);
    const env = wl.spec.template.spec.containers.find((c) => c.name === 'job')!.env ?? [];
    expect(env.find((e) => e.name === 'TRACEPARENT')?.value).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    await eventually(async () => expect((await rest.get<typeof job>(JOBS, 'traced-job', ns)).status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' }), { description: 'DeadlineExceeded' });
    // Then the collector holds the run span with the outcome, and the Job's reconciles under it
    const spans = await otel.waitForSpans((all) => all.some((s) => s.name === 'run job' && s.traceId === traceId), { timeoutMs: 30_000 });
    const run = spans.find((s) => s.name === 'run job' && s.traceId === traceId)!;
    expect(run.attributes).toMatchObject({ 'weft.kind': 'job', 'weft.name': 'traced-job', 'weft.template': 'ci-runner', 'weft.outcome': 'DeadlineExceeded' });
    expect(run.statusCode).toBe(2);
    const reconciles = spans.filter((s) => s.name === 'reconcile job' && s.traceId === traceId);
    expect(reconciles.length).toBeGreaterThan(0);
    expect(reconciles.every((s) => s.parentSpanId === run.spanId)).toBe(true);
    await op.stop();
    op = undefined;
  });

  it('an AgentTask run is one trace: status.traceId, TRACEPARENT in its pod, its reconciles and LLM calls as children, "run agenttask" ending with the outcome', async () => {
    // Given the operator with tracing and the Workload and AgentTask controllers (no node: the pod never starts)
    const cfg = parseOperatorConfig({ kubeconfig, httpAddr: '127.0.0.1:0', namespace: ns, leaderElect: false, logLevel: 'warn', otlpEndpoint: otel.endpoint, agentGatewayUrl: 'http://127.0.0.1:9' }, {});
    op = await runOperator(cfg, testLogger(`operator (agent traces ${ns})`), { controllers: CONTROLLERS.filter((c) => c.name === 'workload' || c.name === 'agenttask') });
    await op.mgr.waitForSync();
    // When a task starts, and its timeout passes
    const spec = { org: ns, repo: { url: 'http://gitea.invalid:3000/acme/toy.git' }, source: { inline: { title: 'Trace me' } }, agent: { driver: 'scripted', steps: [{ run: 'true' }] }, timeoutSeconds: 3 };
    await rest.create(AGENTTASKS, { apiVersion: 'weft.dev/v1alpha1', kind: 'AgentTask', metadata: { name: 'traced-task', namespace: ns }, spec } as KubernetesObject);
    type T = KubernetesObject & { status?: { traceId?: string; phase?: string; outcome?: string } };
    const task = await eventually(async () => {
      const t = await rest.get<T>(AGENTTASKS, 'traced-task', ns);
      expect(t.status?.traceId).toMatch(/^[0-9a-f]{32}$/);
      return t;
    }, { description: 'status.traceId' });
    const traceId = task.status!.traceId!;
    const wl = await rest.get<KubernetesObject & { spec: { template: { spec: { containers: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> } } } }>(WORKLOADS, 'traced-task-1', ns);
    const env = wl.spec.template.spec.containers.find((c) => c.name === 'agent')!.env ?? [];
    expect(env.find((e) => e.name === 'TRACEPARENT')?.value).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    // An LLM call the gateway forwards for the task goes under the run (the gateway asks the signals for the context).
    const parent = op.agentSignals!.traceContext({ namespace: ns, name: 'traced-task' });
    expect(parent).toBeDefined();
    recordLlmSpan(parent!, { api: 'openai', model: 'gpt-test', status: 200, stream: true, durationMs: 12, input: 30, output: 7, cached: 4 });
    // The runner's step spans come through the operator's relay with the pod's token (the task's ServiceAccount).
    const core = admin.makeApiClient(CoreV1Api);
    const token = (await core.createNamespacedServiceAccountToken({ name: taskServiceAccountName('traced-task'), namespace: ns, body: { spec: { audiences: ['weft'], expirationSeconds: 600 } } })).status!.token!;
    const steps = StepSpans.fromTraceparent(env.find((e) => e.name === 'TRACEPARENT')!.value)!;
    await steps.record('clone', { 'weft.attempt': 1 }, async () => undefined);
    const relayUrl = `${op.url}/otlp/${ns}/traced-task/v1/traces`;
    expect(await exportStepSpans(steps, { url: relayUrl, token, resource: { 'weft.name': 'traced-task' } })).toBeUndefined();
    // Another run's trace id is refused; so is a token of another task.
    const foreign = StepSpans.fromTraceparent(`00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`)!;
    await foreign.record('clone', {}, async () => undefined);
    expect(await exportStepSpans(foreign, { url: relayUrl, token, resource: {} })).toMatch(/403: .*spans must belong to the task's run trace/);
    expect(await exportStepSpans(steps, { url: `${op.url}/otlp/${ns}/other-task/v1/traces`, token, resource: {} })).toMatch(/403: .*may not use the trace routes of AgentTask/);
    await eventually(async () => expect((await rest.get<T>(AGENTTASKS, 'traced-task', ns)).status).toMatchObject({ phase: 'Failed', outcome: 'Timeout' }), { timeoutMs: 60_000, description: 'Timeout' });
    // Then the collector holds the run span with the outcome, and the task's reconciles and the LLM call under it
    const spans = await otel.waitForSpans((all) => ['run agenttask', 'step clone'].every((n) => all.some((s) => s.name === n && s.traceId === traceId)), { timeoutMs: 30_000 });
    const run = spans.find((s) => s.name === 'run agenttask' && s.traceId === traceId)!;
    expect(run.attributes).toMatchObject({ 'weft.kind': 'agenttask', 'weft.name': 'traced-task', 'weft.template': 'scripted', 'weft.outcome': 'Timeout' });
    const reconciles = spans.filter((s) => s.name === 'reconcile agenttask' && s.traceId === traceId);
    expect(reconciles.length).toBeGreaterThan(0);
    expect(reconciles.every((s) => s.parentSpanId === run.spanId)).toBe(true);
    const step = spans.find((s) => s.name === 'step clone' && s.traceId === traceId)!;
    expect(step.parentSpanId).toBe(run.spanId);
    expect(step.serviceName).toBe('weft-agent-runner');
    const llm = spans.find((s) => s.name === 'llm openai' && s.traceId === traceId)!;
    expect(llm.parentSpanId).toBe(run.spanId);
    expect(llm.attributes).toMatchObject({ 'gen_ai.request.model': 'gpt-test', 'gen_ai.usage.input_tokens': 30, 'gen_ai.usage.output_tokens': 7 });
    await op.stop();
    op = undefined;
  });

  it('starts no tracing without --otlp-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT, and names a malformed endpoint', () => {
    expect(parseOperatorConfig({ kubeconfig }, {}).tracing).toBeUndefined();
    expect(parseOperatorConfig({ kubeconfig }, { OTEL_EXPORTER_OTLP_ENDPOINT: otel.endpoint }).tracing).toEqual({ endpoint: otel.endpoint });
    expect(() => parseOperatorConfig({ kubeconfig, otlpEndpoint: 'otel:4318' }, {})).toThrow(/--otlp-endpoint.*must be http:\/\/ or https:\/\//);
  });
});
