import { TraceFlags } from '@opentelemetry/api';
import { spansFromExport } from './collector-output.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';
import { tracesUrl, tracingOptionsFromEnv } from './tracing.js';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('round-trips a sampled context', () => {
    const sc = parseTraceparent(TP)!;
    expect(sc).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(formatTraceparent(sc)).toBe(TP);
  });

  it.each([
    undefined,
    '',
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    `${TP}-extra`,
  ])('rejects %j', (v) => expect(parseTraceparent(v)).toBeUndefined());

  it('reads a later version as version 00', () => {
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future')?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('tracing options', () => {
  it('come from the standard OTEL_* variables and are off by default', () => {
    expect(tracingOptionsFromEnv({}).endpoint).toBeUndefined();
    expect(tracingOptionsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SERVICE_NAME: 'op' })).toEqual({ endpoint: 'http://c:4318', serviceName: 'op' });
    expect(tracingOptionsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).endpoint).toBeUndefined();
    expect(tracesUrl('http://c:4318')).toBe('http://c:4318/v1/traces');
    expect(tracesUrl('http://c:4318/v1/traces')).toBe('http://c:4318/v1/traces');
    expect(() => tracesUrl('grpc://c:4317')).toThrow(/OTLP\/HTTP/);
  });
});

describe('collector file output', () => {
  it('is parsed defensively: length prefixes, torn lines and other signals are skipped', () => {
    const line = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'weft-operator' } }] },
          scopeSpans: [{ scope: { name: 'weft' }, spans: [{ traceId: 'AB', spanId: 'CD', name: 'run job', kind: 1, attributes: [{ key: 'weft.attempt', value: { intValue: '2' } }], status: { code: 1 } }] }],
        },
      ],
    });
    const text = ['\u0000\u0000\u0001' + line, '{"resourceMetrics":[]}', '{"resourceSpans": [', 'not json', ''].join('\n');
    expect(spansFromExport(text)).toEqual([
      expect.objectContaining({ traceId: 'ab', spanId: 'cd', parentSpanId: '', name: 'run job', serviceName: 'weft-operator', scope: 'weft', attributes: { 'weft.attempt': 2 }, statusCode: 1 }),
    ]);
  });
});
