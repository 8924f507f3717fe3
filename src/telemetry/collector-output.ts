/**
 * Reads what an OpenTelemetry collector's file exporter wrote: OTLP/JSON, one export request per
 * line (`{"resourceSpans":[…]}`, `{"resourceMetrics":[…]}`, …). Parsed defensively: a line may be
 * torn while the collector writes it, and some versions prefix records with a binary length, so
 * anything before the first `{` is skipped and unparsable lines are ignored.
 */

/** A flattened exported span. */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP span kind number (1 internal, 2 server, 3 client, …). */
  kind: number;
  /** `service.name` of the resource. */
  serviceName: string;
  /** Instrumentation scope name, e.g. `weft`. */
  scope: string;
  attributes: Record<string, unknown>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

interface KeyValue {
  key?: string;
  value?: AnyValue;
}
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  attributes?: KeyValue[];
  status?: { code?: number };
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
}
interface TracesLine {
  resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }> }>;
}

/** The JSON value of an OTLP AnyValue. */
export function anyValue(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue) return attributesOf(v.kvlistValue.values);
  return v.bytesValue;
}

/** OTLP attributes as a plain object. */
export function attributesOf(kvs: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) if (kv.key) out[kv.key] = anyValue(kv.value);
  return out;
}

/** The JSON objects in the exporter's output, skipping what cannot be parsed. */
export function parseExportLines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const raw of text.split('\n')) {
    const start = raw.indexOf('{');
    if (start < 0) continue;
    try {
      out.push(JSON.parse(raw.slice(start)));
    } catch {
      // a torn last line (still being written) or a non-JSON record
    }
  }
  return out;
}

/** Every span in the exporter's output, in file order. */
export function spansFromExport(text: string): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  for (const line of parseExportLines(text) as TracesLine[]) {
    for (const rs of line.resourceSpans ?? []) {
      const serviceName = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) spans.push(flatten(s, serviceName, ss.scope?.name ?? ''));
      }
    }
  }
  return spans;
}

function flatten(s: OtlpSpan, serviceName: string, scope: string): ExportedSpan {
  return {
    traceId: (s.traceId ?? '').toLowerCase(),
    spanId: (s.spanId ?? '').toLowerCase(),
    parentSpanId: (s.parentSpanId ?? '').toLowerCase(),
    name: s.name ?? '',
    kind: s.kind ?? 0,
    serviceName,
    scope,
    attributes: attributesOf(s.attributes),
    statusCode: s.status?.code ?? 0,
    startTimeUnixNano: s.startTimeUnixNano ?? '0',
    endTimeUnixNano: s.endTimeUnixNano ?? '0',
  };
}
