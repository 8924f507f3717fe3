import { Transform, type TransformCallback } from 'node:stream';
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { StreamUsage, type LlmApi, type UsageReading } from './wire.js';

/** One event of a stream as the transcript keeps it. */
export interface StreamEvent {
  event?: string;
  data: string;
}

export interface SseTapOptions {
  api: LlmApi;
  /**
   * Drop OpenAI's usage-only chunk (empty `choices`): set when the gateway asked for usage on the
   * agent's behalf (`stream_options.include_usage`), so the agent gets the stream it asked for.
   * Events are then re-framed one by one instead of passed through byte for byte.
   */
  dropUsageChunk?: boolean;
  /** Keep events for the transcript, up to this many bytes of data (default 4 MiB; 0 keeps none). */
  keepBytes?: number;
}

const isUsageOnlyChunk = (data: string) => data.includes('"choices":[]') && data.includes('"usage":{');

/**
 * A pass-through for a server-sent-events reply that reads the usage on the way: every chunk goes
 * on as soon as it arrives (no buffering), and a copy is fed to an SSE parser that picks out the
 * model and token counts (and keeps the events for the transcript).
 */
export class SseTap extends Transform {
  private readonly decoder = new TextDecoder();
  private readonly parser: EventSourceParser;
  private readonly usage: StreamUsage;
  private readonly keepBytes: number;
  private keptBytes = 0;
  /** The events seen (bounded by `keepBytes`). */
  readonly events: StreamEvent[] = [];
  /** True when events were left out of {@link SseTap.events} for size. */
  truncated = false;

  constructor(private readonly opts: SseTapOptions) {
    super();
    this.usage = new StreamUsage(opts.api);
    this.keepBytes = opts.keepBytes ?? 4 * 1024 * 1024;
    this.parser = createParser({ onEvent: (e) => this.onEvent(e.event, e.data) });
  }

  /** Model and usage read so far (complete once the stream ended). */
  reading(): UsageReading {
    return this.usage.result();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.opts.dropUsageChunk) this.push(chunk);
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
    this.pushFramed();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.parser.feed(this.decoder.decode());
    this.parser.reset({ consume: true });
    this.pushFramed();
    done();
  }

  /** Re-framed events of one upstream chunk go on as one write (one HTTP chunk), not one each. */
  private pushFramed(): void {
    if (!this.framed) return;
    this.push(this.framed);
    this.framed = '';
  }

  private framed = '';

  private onEvent(event: string | undefined, data: string): void {
    this.usage.onEvent(event, data);
    if (this.keptBytes + data.length <= this.keepBytes) {
      this.events.push(event ? { event, data } : { data });
      this.keptBytes += data.length;
    } else this.truncated = true;
    if (!this.opts.dropUsageChunk) return;
    if (this.opts.api === 'openai' && isUsageOnlyChunk(data)) return;
    this.framed += `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
  }
}
