/**
 * The OpenAI Chat Completions wire format (POST /v1/chat/completions), as documented at
 * platform.openai.com/docs/api-reference/chat: a `chat.completion` object, or with `stream: true`
 * `chat.completion.chunk` events as `data: {…}` lines ending with `data: [DONE]`; with
 * `stream_options.include_usage` every chunk carries `usage: null` and one last chunk with empty
 * `choices` carries the usage.
 */
import { jsonPieces, textPieces, usageOf, type ScriptTurn } from './script.js';

/** The subset of a chat completions request the fake reads. */
export interface OpenAiRequest {
  model?: string;
  messages?: unknown[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

let seq = 0;
const nextId = (prefix: string) => `${prefix}${(++seq).toString(36).padStart(8, '0')}`;

function usageBlock(turn: ScriptTurn, req: OpenAiRequest) {
  const u = usageOf(turn, req.messages);
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cached },
  };
}

const toolCallsOf = (turn: ScriptTurn) =>
  (turn.toolCalls ?? []).map((c) => ({ id: c.id ?? nextId('call_'), type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));

const finishReason = (turn: ScriptTurn) => (turn.toolCalls?.length ? 'tool_calls' : 'stop');

/** A non-streaming `chat.completion` body for a turn. */
export function openAiCompletion(turn: ScriptTurn, req: OpenAiRequest): Record<string, unknown> {
  const toolCalls = toolCallsOf(turn);
  return {
    id: nextId('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: turn.model ?? req.model ?? 'fake-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: turn.text ?? null, refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        logprobs: null,
        finish_reason: finishReason(turn),
      },
    ],
    usage: usageBlock(turn, req),
    system_fingerprint: 'fp_fake',
  };
}

/** The `data:` payloads of a streamed completion, `[DONE]` last. */
export function openAiStream(turn: ScriptTurn, req: OpenAiRequest): string[] {
  const includeUsage = req.stream_options?.include_usage === true;
  const base = { id: nextId('chatcmpl-'), object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: turn.model ?? req.model ?? 'fake-model', system_fingerprint: 'fp_fake' };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) });
  const out = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of textPieces(turn.text ?? '', turn.chunks)) out.push(chunk({ content: piece }));
  toolCallsOf(turn).forEach((call, index) => {
    out.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
    for (const piece of jsonPieces(JSON.parse(call.function.arguments))) out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  out.push(chunk({}, finishReason(turn)));
  if (includeUsage) out.push(JSON.stringify({ ...base, choices: [], usage: usageBlock(turn, req) }));
  out.push('[DONE]');
  return out;
}

/** An OpenAI error body (`{ error: { message, type, param, code } }`). */
export function openAiError(status: number, message: string): Record<string, unknown> {
  const type = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 401 ? 'invalid_api_key' : status === 429 ? 'rate_limit_exceeded' : null;
  return { error: { message, type, param: null, code } };
}
