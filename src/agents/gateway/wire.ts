/**
 * What the gateway reads from the two wire formats: the model and the token usage of a reply,
 * from a JSON body or from the events of a stream, normalised so that `input` includes cached
 * input (OpenAI's `prompt_tokens` already does; Anthropic's `input_tokens` leaves out
 * `cache_read_input_tokens` and `cache_creation_input_tokens`, which are added).
 */
import type { TokenCounts } from './usage.js';

/** The two LLM APIs the gateway serves. */
export type LlmApi = 'openai' | 'anthropic';

/** Model and usage read from a reply (`seen` is false when it carried no usage). */
export interface UsageReading extends TokenCounts {
  model?: string;
  seen: boolean;
}

type Json = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Counts of an OpenAI `usage` object. */
export function openAiCounts(usage: Json): TokenCounts {
  return { input: num(usage.prompt_tokens), output: num(usage.completion_tokens), cached: num(obj(usage.prompt_tokens_details)?.cached_tokens) };
}

/** Counts of an Anthropic `usage` object. */
export function anthropicCounts(usage: Json): TokenCounts {
  const cached = num(usage.cache_read_input_tokens);
  return { input: num(usage.input_tokens) + cached + num(usage.cache_creation_input_tokens), output: num(usage.output_tokens), cached };
}

/** Model and usage of a non-streaming reply body. */
export function usageOfBody(api: LlmApi, body: unknown): UsageReading {
  const b = obj(body) ?? {};
  const usage = obj(b.usage);
  const counts = usage ? (api === 'openai' ? openAiCounts(usage) : anthropicCounts(usage)) : { input: 0, output: 0, cached: 0 };
  const model = str(b.model);
  return { ...counts, seen: usage !== undefined, ...(model ? { model } : {}) };
}

/**
 * Accumulates model and usage over the events of a stream. Only the events that can carry them
 * are parsed: OpenAI's first chunk and the chunks with a `usage` object, Anthropic's
 * `message_start` and `message_delta`.
 */
export class StreamUsage {
  private reading: UsageReading = { input: 0, output: 0, cached: 0, seen: false };
  constructor(private readonly api: LlmApi) {}

  /** Feeds one SSE event (`event` name, `data` text). */
  onEvent(event: string | undefined, data: string): void {
    if (this.api === 'openai') this.openAi(data);
    else if (event === 'message_start' || event === 'message_delta') this.anthropic(data);
  }

  /** What was read so far. */
  result(): UsageReading {
    return { ...this.reading };
  }

  private parse(data: string): Json | undefined {
    try {
      return obj(JSON.parse(data));
    } catch {
      return undefined;
    }
  }

  private openAi(data: string): void {
    const wantModel = this.reading.model === undefined;
    if (!wantModel && !data.includes('"usage":{')) return;
    const chunk = data === '[DONE]' ? undefined : this.parse(data);
    if (!chunk) return;
    const model = str(chunk.model);
    if (model) this.reading.model ??= model;
    const usage = obj(chunk.usage);
    if (usage) this.reading = { ...this.reading, ...openAiCounts(usage), seen: true };
  }

  private anthropic(data: string): void {
    const ev = this.parse(data);
    if (!ev) return;
    const message = obj(ev.message);
    const model = str(message?.model);
    if (model) this.reading.model ??= model;
    const usage = obj(message?.usage) ?? obj(ev.usage);
    if (!usage) return;
    // message_delta's usage is cumulative and may omit input counts: keep what message_start said.
    const merged = { ...this.rawAnthropic, ...Object.fromEntries(Object.entries(usage).filter(([, v]) => typeof v === 'number')) };
    this.rawAnthropic = merged;
    this.reading = { ...this.reading, ...anthropicCounts(merged), seen: true };
  }

  private rawAnthropic: Json = {};
}
