/**
 * The operator with `--otlp-endpoint` pointing at a real collector (ocb-built, file exporter): the
 * runtime's reconcile spans reach the collector with the object they reconciled; without the flag
 * the operator starts no tracing at all.
 */
import { trace } from '@opentelemetry/api';
import type { KubeConfig } from '@kubernetes/client-node';
import { MESHNODES } from '../../src/api/resources.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { CONTROLLERS } from '../../src/operator/controllers.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { RestClient } from '../../src/runtime/index.js';
import { LocalCollector } from '../../src/telemetry/local-collector.js';
import { controlPlane, createNamespace, deleteNamespace, testLogger, uniqueName } from '../harness/index.js';

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

  it('starts no tracing without --otlp-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT, and names a malformed endpoint', () => {
    expect(parseOperatorConfig({ kubeconfig }, {}).tracing).toBeUndefined();
    expect(parseOperatorConfig({ kubeconfig }, { OTEL_EXPORTER_OTLP_ENDPOINT: otel.endpoint }).tracing).toEqual({ endpoint: otel.endpoint });
    expect(() => parseOperatorConfig({ kubeconfig, otlpEndpoint: 'otel:4318' }, {})).toThrow(/--otlp-endpoint.*must be http:\/\/ or https:\/\//);
  });
});
