import { context } from '@opentelemetry/api';
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { LocalCollector } from '../../src/telemetry/local-collector.js';
import { startRunSpan, traceReconcile, traceWebhook, withSpan } from '../../src/telemetry/spans.js';
import { contextFromTraceparent, TRACEPARENT_ENV } from '../../src/telemetry/traceparent.js';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.js';
import type { ExportedSpan } from '../../src/telemetry/collector-output.js';
import { isAlive } from '../../src/cluster/process.js';

/** A pod's step as the runner would trace it: its own process and SDK, the run's context from TRACEPARENT. */
const POD_SCRIPT = `
import { context, propagation, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
const exporter = new OTLPTraceExporter({ url: process.env.OTEL_EXPORTER_OTLP_ENDPOINT + '/v1/traces' });
const sdk = new NodeSDK({ resource: resourceFromAttributes({ 'service.name': 'weft-pod' }), autoDetectResources: false,
  spanProcessors: [new SimpleSpanProcessor({ exporter })], metricReaders: [], logRecordProcessors: [], textMapPropagator: new W3CTraceContextPropagator() });
sdk.start();
const parent = propagation.extract(ROOT_CONTEXT, { traceparent: process.env.TRACEPARENT });
const span = trace.getTracer('weft-runner').startSpan('step clone', { attributes: { 'weft.step': 'clone' } }, parent);
span.end();
await sdk.shutdown();
`;

const byName = (spans: ExportedSpan[], name: string) => spans.find((s) => s.name === name);

describe('traces exported by src/telemetry to a real collector', () => {
  let otel: LocalCollector;
  let tracing: Tracing;

  beforeAll(async () => {
    otel = await LocalCollector.start();
    tracing = await startTracing({ endpoint: otel.endpoint, serviceName: 'weft-operator', exportImmediately: true });
  });
  afterAll(async () => {
    await tracing?.shutdown();
    await otel?.stop();
  });

  it('puts the run span, reconcile and webhook spans, and a pod child span under one trace id', async () => {
    // Given a Job run whose span context goes to the pod as TRACEPARENT
    const run = startRunSpan({ namespace: 'team-a', kind: 'job', name: 'build-1', attempt: 1, template: 'ci' });
    expect(run.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(run.podEnv()).toEqual([{ name: TRACEPARENT_ENV, value: run.traceparent }]);

    // When the operator reconciles and admits in the run's context, and the pod adds a step span
    await context.with(run.context, async () => {
      await traceWebhook('job', 'CREATE', { namespace: 'team-a', name: 'build-1' }, async () => 'allowed');
      await traceReconcile('job', { namespace: 'team-a', name: 'build-1' }, async () => undefined);
    });
    await execa(process.execPath, ['--input-type=module', '-e', POD_SCRIPT], {
      cwd: process.cwd(),
      env: { [TRACEPARENT_ENV]: run.traceparent!, OTEL_EXPORTER_OTLP_ENDPOINT: otel.endpoint, OTEL_TRACES_EXPORTER: 'otlp' },
    });
    // … and a step in this process joins through the propagated header alone
    await withSpan('step upload', { parent: contextFromTraceparent(run.traceparent) }, async () => undefined);
    run.end('Succeeded');
    await tracing.flush();

    // Then the collector's file holds all of them under the run's trace id
    const names = ['run job', 'webhook job CREATE', 'reconcile job', 'step clone', 'step upload'];
    const spans = await otel.waitForSpans((all) => names.every((n) => all.some((s) => s.name === n && s.traceId === run.traceId)), {
      description: `spans ${names.join(', ')} in trace ${run.traceId}`,
    });
    const inTrace = spans.filter((s) => s.traceId === run.traceId);
    const root = byName(inTrace, 'run job')!;
    expect(root.parentSpanId).toBe('');
    expect(root.attributes).toMatchObject({ 'weft.kind': 'job', 'weft.name': 'build-1', 'k8s.namespace.name': 'team-a', 'weft.attempt': 1, 'weft.template': 'ci', 'weft.outcome': 'Succeeded' });
    expect(root.serviceName).toBe('weft-operator');
    for (const n of ['webhook job CREATE', 'reconcile job', 'step clone', 'step upload']) expect(byName(inTrace, n)!.parentSpanId).toBe(root.spanId);
    const pod = byName(inTrace, 'step clone')!;
    expect(pod.serviceName).toBe('weft-pod');
    expect(pod.attributes['weft.step']).toBe('clone');
    expect(byName(inTrace, 'webhook job CREATE')!.kind).toBe(2); // SERVER
  });

  it('records an exception on the span and marks it as an error', async () => {
    await expect(withSpan('failing step', { root: true }, async () => Promise.reject(new Error('clone failed: repository not found')))).rejects.toThrow('clone failed');
    await tracing.flush();
    const spans = await otel.waitForSpans((all) => all.some((s) => s.name === 'failing step'));
    const failed = byName(spans, 'failing step')!;
    expect(failed.statusCode).toBe(2);
  });

  it('is off without an endpoint: no-op spans, nothing for the pod', async () => {
    await tracing.shutdown();
    const off = await startTracing({});
    try {
      expect(off.enabled).toBe(false);
      const run = startRunSpan({ namespace: 'team-a', kind: 'job', name: 'quiet', attempt: 1 });
      expect(run.traceparent).toBeUndefined();
      expect(run.traceId).toBeUndefined();
      expect(run.podEnv()).toEqual([]);
      run.end('Failed');
      await expect(traceReconcile('job', { name: 'quiet' }, async () => 42)).resolves.toBe(42);
    } finally {
      await off.shutdown();
    }
    // Tracing can start again after a shutdown (one SDK per process at a time).
    tracing = await startTracing({ endpoint: otel.endpoint, exportImmediately: true });
    await withSpan('after restart', { root: true }, async () => undefined);
    await otel.waitForSpans((all) => all.some((s) => s.name === 'after restart'));
  });

  it('stops the collector with nothing left behind', async () => {
    const other = await LocalCollector.start();
    const pgid = other.process.pgid;
    const dir = other.dir;
    await other.stop();
    expect(isAlive(-pgid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});
