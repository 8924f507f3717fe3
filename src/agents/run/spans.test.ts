import { StepSpans } from './spans.js';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('the runner step spans (OTLP/JSON for the operator relay)', () => {
  it('is off without TRACEPARENT or with a malformed one', () => {
    expect(StepSpans.fromTraceparent(undefined)).toBeUndefined();
    expect(StepSpans.fromTraceparent('01-nope')).toBeUndefined();
    expect(StepSpans.fromTraceparent(TP)).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7' });
  });

  it('records each step under the run span, a failing one with its error, as OTLP/JSON', async () => {
    const spans = StepSpans.fromTraceparent(TP)!;
    expect(await spans.record('clone', { 'weft.attempt': 2 }, async () => 'ok')).toBe('ok');
    await expect(spans.record('push', {}, () => Promise.reject(new Error('remote rejected')))).rejects.toThrow('remote rejected');
    const body = spans.otlp({ 'weft.name': 'fix-1' }) as { resourceSpans: Array<{ resource: { attributes: unknown[] }; scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }> };
    const [rs] = body.resourceSpans;
    expect(rs!.resource.attributes).toEqual(expect.arrayContaining([{ key: 'service.name', value: { stringValue: 'weft-agent-runner' } }, { key: 'weft.name', value: { stringValue: 'fix-1' } }]));
    const [clone, push] = rs!.scopeSpans[0]!.spans;
    expect(clone).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7', name: 'step clone', kind: 1, status: { code: 1 } });
    expect(clone!.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(clone!.attributes).toEqual(expect.arrayContaining([{ key: 'weft.step', value: { stringValue: 'clone' } }, { key: 'weft.attempt', value: { intValue: '2' } }]));
    expect(BigInt(clone!.endTimeUnixNano as string)).toBeGreaterThanOrEqual(BigInt(clone!.startTimeUnixNano as string));
    expect(push).toMatchObject({ name: 'step push', status: { code: 2, message: 'remote rejected' } });
  });
});
