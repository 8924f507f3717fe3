/**
 * The Anthropic Messages wire format (POST /v1/messages), as documented at
 * docs.anthropic.com/en/api/messages and /en/docs/build-with-claude/streaming: a `message` object,
 * or with `stream: true` the events `message_start` (usage with input tokens), per content block
 * `content_block_start` / `content_block_delta` (`text_delta`, `input_json_delta`) /
 * `content_block_stop`, a `ping`, `message_delta` (stop reason, cumulative output usage) and
 * `message_stop`.
 */
import { jsonPieces, textPieces, usageOf, type ScriptTurn } from './script.js';

/** The subset of a messages request the fake reads. */
export interface AnthropicRequest {
  model?: string;
  messages?: unknown[];
  system?: unknown;
  stream?: boolean;
}

/** One SSE event: its `event:` name and `data:` JSON. */
export interface SseEvent {
  event: string;
  data: string;
}

let seq = 0;
const nextId = (prefix: string) => `${prefix}${(++seq).toString(36).padStart(12, '0')}`;

function contentOf(turn: ScriptTurn) {
  const blocks: Array<Record<string, unknown>> = [];
  if (turn.text) blocks.push({ type: 'text', text: turn.text });
  for (const c of turn.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id ?? nextId('toolu_'), name: c.name, input: c.arguments });
  return blocks;
}

const stopReason = (turn: ScriptTurn) => (turn.toolCalls?.length ? 'tool_use' : 'end_turn');

function usage(turn: ScriptTurn, req: AnthropicRequest) {
  const u = usageOf(turn, [req.system, req.messages]);
  // Anthropic's input_tokens leave out cache reads: the total input is input + cache_read (+ creation).
  return { input_tokens: u.input - u.cached, cache_creation_input_tokens: 0, cache_read_input_tokens: u.cached, output_tokens: u.output };
}

/** A non-streaming `message` body for a turn. */
export function anthropicMessage(turn: ScriptTurn, req: AnthropicRequest): Record<string, unknown> {
  return {
    id: nextId('msg_'),
    type: 'message',
    role: 'assistant',
    model: turn.model ?? req.model ?? 'fake-model',
    content: contentOf(turn),
    stop_reason: stopReason(turn),
    stop_sequence: null,
    usage: usage(turn, req),
  };
}

function blockEvents(block: Record<string, unknown>, index: number, turn: ScriptTurn): SseEvent[] {
  const ev = (type: string, body: Record<string, unknown>): SseEvent => ({ event: type, data: JSON.stringify({ type, ...body }) });
  if (block.type === 'text') {
    return [
      ev('content_block_start', { index, content_block: { type: 'text', text: '' } }),
      ...textPieces(String(block.text), turn.chunks).map((text) => ev('content_block_delta', { index, delta: { type: 'text_delta', text } })),
      ev('content_block_stop', { index }),
    ];
  }
  return [
    ev('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }),
    ...jsonPieces(block.input).map((partial_json) => ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } })),
    ev('content_block_stop', { index }),
  ];
}

/** The events of a streamed message, `message_stop` last. */
export function anthropicStream(turn: ScriptTurn, req: AnthropicRequest): SseEvent[] {
  const u = usage(turn, req);
  const ev = (type: string, body: Record<string, unknown>): SseEvent => ({ event: type, data: JSON.stringify({ type, ...body }) });
  const message = { id: nextId('msg_'), type: 'message', role: 'assistant', model: turn.model ?? req.model ?? 'fake-model', content: [], stop_reason: null, stop_sequence: null, usage: { ...u, output_tokens: 1 } };
  return [
    ev('message_start', { message }),
    ev('ping', {}),
    ...contentOf(turn).flatMap((block, i) => blockEvents(block, i, turn)),
    ev('message_delta', { delta: { stop_reason: stopReason(turn), stop_sequence: null }, usage: { output_tokens: u.output_tokens } }),
    ev('message_stop', {}),
  ];
}

/** An Anthropic error body (`{ type: 'error', error: { type, message } }`). */
export function anthropicError(status: number, message: string): Record<string, unknown> {
  const types: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 413: 'request_too_large', 429: 'rate_limit_error', 529: 'overloaded_error' };
  return { type: 'error', error: { type: types[status] ?? 'api_error', message } };
}
