import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { componentPath } from '../artifacts/tools.js';
import { freePort } from '../cluster/ports.js';
import { startProcess, waitReady, type ManagedProcess } from '../cluster/process.js';
import { spansFromExport, type ExportedSpan } from './collector-output.js';

/** Options of {@link LocalCollector.start}. */
export interface LocalCollectorOptions {
  /** State directory (config, output, log); a new temp dir, removed on stop, when omitted. */
  dir?: string;
  /** The process whose death stops the collector; default: this process. */
  ownerPid?: number;
  /** How long the collector may take to accept OTLP (default 30 s). */
  startTimeoutMs?: number;
}

/** Options of {@link LocalCollector.waitForSpans}. */
export interface WaitForSpansOptions {
  timeoutMs?: number;
  /** What is awaited, for the timeout message. */
  description?: string;
}

/**
 * A real OpenTelemetry collector (built by `hack/build-tools.sh otelcol` with the collector builder)
 * for tests: OTLP/HTTP on a random loopback port, traces, metrics and logs written by the file
 * exporter as JSON lines to `<dir>/telemetry.jsonl`, its own telemetry off (no fixed :8888 port).
 *
 * @example
 * const otel = await LocalCollector.start();
 * const tracing = await startTracing({ endpoint: otel.endpoint });
 * const spans = await otel.waitForSpans((s) => s.some((x) => x.name === 'reconcile job'));
 */
export class LocalCollector {
  /** State directory (config, output, log). */
  readonly dir: string;
  /** OTLP/HTTP base URL, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The file exporter's output. */
  readonly outputFile: string;
  private readonly proc: ManagedProcess;
  private readonly removeDir: boolean;

  private constructor(s: Pick<LocalCollector, 'dir' | 'endpoint' | 'outputFile'> & { proc: ManagedProcess; removeDir: boolean }) {
    this.dir = s.dir;
    this.endpoint = s.endpoint;
    this.outputFile = s.outputFile;
    this.proc = s.proc;
    this.removeDir = s.removeDir;
  }

  /** Starts the collector; resolves once it accepts an (empty) OTLP/HTTP trace export. */
  static async start(opts: LocalCollectorOptions = {}): Promise<LocalCollector> {
    const bin = componentPath('otelcol');
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'weft-otel-')));
    const port = await freePort();
    const outputFile = join(dir, 'telemetry.jsonl');
    const config = join(dir, 'otelcol.yaml');
    await writeFile(config, collectorConfig(port, outputFile));
    const proc = startProcess({ name: 'otelcol', command: bin, args: [`--config=file:${config}`], logFile: join(dir, 'otelcol.log'), ownerPid: opts.ownerPid });
    const endpoint = `http://127.0.0.1:${port}`;
    const otel = new LocalCollector({ dir, endpoint, outputFile, proc, removeDir: opts.dir === undefined });
    try {
      await waitReady(proc, opts.startTimeoutMs ?? 30_000, async () => (await postEmptyTraces(endpoint)) === 200);
      return otel;
    } catch (err) {
      await otel.stop();
      throw err;
    }
  }

  /** The raw output so far ('' before the first export). */
  async output(): Promise<string> {
    return existsSync(this.outputFile) ? readFile(this.outputFile, 'utf8') : '';
  }

  /** Every span exported so far. */
  async spans(): Promise<ExportedSpan[]> {
    return spansFromExport(await this.output());
  }

  /**
   * Polls the output until `done(spans)` is true and returns the spans; on timeout, throws with the
   * description, the span names seen and the collector's log tail.
   */
  async waitForSpans(done: (spans: ExportedSpan[]) => boolean, opts: WaitForSpansOptions = {}): Promise<ExportedSpan[]> {
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    for (;;) {
      const spans = await this.spans();
      if (done(spans)) return spans;
      if (Date.now() > deadline) {
        const seen = [...new Set(spans.map((s) => s.name))].join(', ') || 'none';
        const log = existsSync(this.proc.logFile) ? (await readFile(this.proc.logFile, 'utf8')).split('\n').slice(-10).join('\n') : '';
        throw new Error(`collector ${this.endpoint}: ${opts.description ?? 'expected spans'} not exported within ${opts.timeoutMs ?? 20_000} ms (spans seen: ${seen})\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The collector's process group (for no-leftover checks). */
  get process(): ManagedProcess {
    return this.proc;
  }

  /** Stops the collector (it flushes the file on SIGTERM) and removes the temp dir it created. */
  async stop(): Promise<void> {
    await this.proc.stop(5000);
    if (this.removeDir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** The collector's configuration: OTLP/HTTP in on loopback, every signal to the file exporter. */
export function collectorConfig(port: number, outputFile: string): string {
  const pipeline = '{receivers: [otlp], exporters: [file]}';
  return [
    'receivers:',
    `  otlp: {protocols: {http: {endpoint: "127.0.0.1:${port}"}}}`,
    'exporters:',
    `  file: {path: ${JSON.stringify(outputFile)}, format: json, flush_interval: 100ms}`,
    'service:',
    '  telemetry: {metrics: {level: none}, logs: {level: warn}}',
    '  pipelines:',
    `    traces: ${pipeline}`,
    `    metrics: ${pipeline}`,
    `    logs: ${pipeline}`,
    '',
  ].join('\n');
}

/** POSTs an empty OTLP/JSON trace export; resolves with the status (0 when nothing answers). */
function postEmptyTraces(endpoint: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 2000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end('{"resourceSpans":[]}');
  });
}
