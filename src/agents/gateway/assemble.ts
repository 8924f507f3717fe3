/**
 * Turns the events of a streamed reply back into one message for the transcript (what a
 * non-streaming call would have returned, roughly): OpenAI `content`, `tool_calls` and
 * `finish_reason`; Anthropic content blocks (text, thinking, tool_use with its JSON input) and
 * `stop_reason`. Runs once the stream is over, off the streaming path.
 */
import type { StreamEvent } from './sse.js';
import type { LlmApi } from './wire.js';

type Json = Record<string, unknown>;

function parse(data: string): Json | undefined {
  try {
    const v = JSON.parse(data) as unknown;
    return v && typeof v === 'object' ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

interface ToolCallParts {
  id?: string;
  name?: string;
  arguments: string;
}
type OpenAiDelta = { content?: string; tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }> };

function addToolCallDeltas(calls: ToolCallParts[], delta: OpenAiDelta): void {
  for (const tc of delta.tool_calls ?? []) {
    const c = (calls[tc.index ?? 0] ??= { arguments: '' });
    if (tc.id) c.id = tc.id;
    if (tc.function?.name) c.name = tc.function.name;
    c.arguments += tc.function?.arguments ?? '';
  }
}

function openAiMessage(events: StreamEvent[]): Json {
  const out = { model: undefined as unknown, content: '', finish_reason: null as unknown };
  const calls: ToolCallParts[] = [];
  for (const e of events) {
    const chunk = e.data === '[DONE]' ? undefined : parse(e.data);
    out.model ??= chunk?.model;
    const choice = (chunk?.choices as Json[] | undefined)?.[0];
    if (!choice) continue;
    const delta = (choice.delta ?? {}) as OpenAiDelta;
    if (typeof delta.content === 'string') out.content += delta.content;
    addToolCallDeltas(calls, delta);
    if (choice.finish_reason) out.finish_reason = choice.finish_reason;
  }
  return { ...out, ...(calls.length ? { tool_calls: calls } : {}) };
}

type AnthropicDelta = { type?: string; text?: string; partial_json?: string; thinking?: string };

function applyBlockDelta(block: Json, d: AnthropicDelta, partial: { json: string }): void {
  if (d.type === 'text_delta') block.text = String(block.text ?? '') + (d.text ?? '');
  else if (d.type === 'thinking_delta') block.thinking = String(block.thinking ?? '') + (d.thinking ?? '');
  else if (d.type === 'input_json_delta') partial.json += d.partial_json ?? '';
}

interface AnthropicState {
  blocks: Json[];
  partial: Array<{ json: string }>;
  model: unknown;
  stop_reason: unknown;
}

function applyAnthropicEvent(st: AnthropicState, ev: Json): void {
  const i = typeof ev.index === 'number' ? ev.index : 0;
  switch (ev.type) {
    case 'message_start':
      st.model = (ev.message as Json | undefined)?.model;
      break;
    case 'content_block_start':
      st.blocks[i] = { ...(ev.content_block as Json) };
      break;
    case 'content_block_delta':
      applyBlockDelta((st.blocks[i] ??= {}), (ev.delta ?? {}) as AnthropicDelta, (st.partial[i] ??= { json: '' }));
      break;
    case 'message_delta':
      st.stop_reason = (ev.delta as Json | undefined)?.stop_reason ?? st.stop_reason;
      break;
  }
}

function anthropicMessage(events: StreamEvent[]): Json {
  const st: AnthropicState = { blocks: [], partial: [], model: undefined, stop_reason: null };
  for (const e of events) {
    const ev = e.event === 'ping' ? undefined : parse(e.data);
    if (ev) applyAnthropicEvent(st, ev);
  }
  st.partial.forEach((p, i) => {
    if (p.json && st.blocks[i]) st.blocks[i].input = parse(p.json) ?? p.json;
  });
  return { model: st.model, stop_reason: st.stop_reason, content: st.blocks.filter(Boolean) };
}

/** The message a stream carried, assembled from its events. */
export function assembleStream(api: LlmApi, events: StreamEvent[]): Json {
  return api === 'openai' ? openAiMessage(events) : anthropicMessage(events);
}
