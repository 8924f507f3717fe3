/**
 * The runner's steps (clone, branch, agent, toolchain, push) as child spans of the task's run trace
 * (`TRACEPARENT`, set by the AgentTask controller), sent once at the end as OTLP/JSON to the
 * operator's relay (`POST /otlp/<ns>/<task>/v1/traces`, authenticated with the pod's token), which
 * forwards them to the operator's collector. The pod needs no OpenTelemetry SDK and no route to the
 * collector. Best effort: a failed export is logged, never fails the attempt.
 */
import { randomBytes } from 'node:crypto';
import { parseTraceparent } from '../../telemetry/traceparent.js';

interface StepSpan {
  name: string;
  spanId: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, string | number | boolean>;
  error?: string;
}

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };
const value = (v: string | number | boolean): AnyValue =>
  typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
const attributes = (a: Record<string, string | number | boolean>) => Object.entries(a).map(([key, v]) => ({ key, value: value(v) }));
const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

export class StepSpans {
  readonly spans: StepSpan[] = [];

  private constructor(
    readonly traceId: string,
    readonly parentSpanId: string,
  ) {}

  /** The recorder of a run whose pod has `TRACEPARENT` (undefined without one, or a malformed one). */
  static fromTraceparent(traceparent: string | undefined): StepSpans | undefined {
    const sc = parseTraceparent(traceparent);
    return sc ? new StepSpans(sc.traceId, sc.spanId) : undefined;
  }

  /** Runs `fn` as the span `step <name>`; a throw is recorded as the span's error and rethrown. */
  async record<T>(name: string, attrs: Record<string, string | number | boolean>, fn: () => Promise<T>): Promise<T> {
    const span: StepSpan = { name: `step ${name}`, spanId: randomBytes(8).toString('hex'), startMs: Date.now(), endMs: 0, attributes: { 'weft.step': name, ...attrs } };
    try {
      return await fn();
    } catch (err) {
      span.error = err instanceof Error ? err.message.slice(0, 500) : String(err);
      throw err;
    } finally {
      span.endMs = Date.now();
      this.spans.push(span);
    }
  }

  /** The OTLP/JSON body (`ExportTraceServiceRequest`) of the recorded spans. */
  otlp(resource: Record<string, string | number | boolean>): unknown {
    return {
      resourceSpans: [
        {
          resource: { attributes: attributes({ 'service.name': 'weft-agent-runner', ...resource }) },
          scopeSpans: [
            {
              scope: { name: 'weft-runner' },
              spans: this.spans.map((s) => ({
                traceId: this.traceId,
                spanId: s.spanId,
                parentSpanId: this.parentSpanId,
                name: s.name,
                kind: 1, // INTERNAL
                startTimeUnixNano: nanos(s.startMs),
                endTimeUnixNano: nanos(s.endMs),
                attributes: attributes(s.attributes),
                status: s.error ? { code: 2, message: s.error } : { code: 1 },
              })),
            },
          ],
        },
      ],
    };
  }
}

/** Sends the spans to the operator's relay; the error in words, or undefined when it took them. */
export async function exportStepSpans(spans: StepSpans, o: { url: string; token: string; resource: Record<string, string | number | boolean>; timeoutMs?: number }): Promise<string | undefined> {
  if (spans.spans.length === 0) return undefined;
  try {
    const res = await fetch(o.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(spans.otlp(o.resource)),
      signal: AbortSignal.timeout(o.timeoutMs ?? 5000),
    });
    if (res.status >= 300) return `the operator answered ${res.status}: ${(await res.text()).slice(0, 300)}`;
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
