import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

/** The two wire formats the fake speaks. */
export type LlmApi = 'openai' | 'anthropic';

/** A tool call the model "makes" in a turn. */
export interface ScriptToolCall {
  /** Call id; generated (`call_…` / `toolu_…`) when absent. */
  id?: string;
  name: string;
  /** Arguments as an object (sent as JSON, streamed in pieces). */
  arguments: Record<string, unknown>;
}

/** Token counts the fake reports for a turn (defaults are derived from the text lengths). */
export interface ScriptUsage {
  input?: number;
  output?: number;
  /** Input tokens "read from the prompt cache" (OpenAI `cached_tokens`, Anthropic `cache_read_input_tokens`). */
  cached?: number;
}

/**
 * One scripted answer: a text reply and/or tool calls, or an error status. The fake answers each
 * request with the next turn, in order, whatever the API; `api` pins a turn to one API (a request
 * of the other API then gets a 400 naming the mismatch).
 * @example { text: 'Hello', usage: { input: 12, output: 2 } }
 * @example { status: 429, retryAfter: 1 }
 */
export interface ScriptTurn {
  api?: LlmApi;
  /** Assistant text (split into `chunks` pieces when streaming; default: one piece per word). */
  text?: string;
  toolCalls?: ScriptToolCall[];
  /** Model name in the reply (default: the request's `model`). */
  model?: string;
  usage?: ScriptUsage;
  /** Answer with this HTTP error status (429, 500, 529…) instead of a completion. */
  status?: number;
  /** `retry-after` header (seconds) with an error status. */
  retryAfter?: number;
  /** Error message with an error status. */
  message?: string;
  /** Wait this long before the response headers (a slow upstream). */
  delayMs?: number;
  /** Wait this long between streamed events. */
  chunkDelayMs?: number;
  /** Split the text into this many stream deltas. */
  chunks?: number;
  /** Stream this many events, then wait for `release()` before the rest (proves pass-through). */
  holdAfterEvents?: number;
  /** Destroy the connection without answering (a network failure). */
  drop?: boolean;
}

/** What a script file holds: a list of turns, or `{ turns: [...] }`. */
export type Script = ScriptTurn[];

/** Reads a script from a JSON or YAML file (`[turn, …]` or `{ turns: [turn, …] }`). */
export async function loadScript(path: string): Promise<Script> {
  const doc = parseYaml(await readFile(path, 'utf8')) as unknown;
  const turns = Array.isArray(doc) ? doc : (doc as { turns?: unknown } | null)?.turns;
  if (!Array.isArray(turns)) throw new Error(`fake-llm: ${path} holds no list of turns (expected [turn, …] or { turns: [...] })`);
  return turns as Script;
}

/** Rough token count of any JSON value (about 4 characters per token), for default usage. */
export function roughTokens(value: unknown): number {
  const s = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return Math.max(1, Math.ceil(s.length / 4));
}

/** The counts a turn reports: the scripted ones, else derived from the request and the reply. */
export function usageOf(turn: ScriptTurn, requestMessages: unknown): Required<ScriptUsage> {
  const replied = (turn.text ?? '') + JSON.stringify(turn.toolCalls ?? []);
  return {
    input: turn.usage?.input ?? roughTokens(requestMessages),
    output: turn.usage?.output ?? roughTokens(replied),
    cached: turn.usage?.cached ?? 0,
  };
}

/** The pieces a streamed text is sent in (`chunks` pieces, else one per word, spaces kept). */
export function textPieces(text: string, chunks?: number): string[] {
  if (!text) return [];
  if (chunks && chunks > 0) {
    const size = Math.ceil(text.length / chunks);
    const out: string[] = [];
    for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
    return out;
  }
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

/** A JSON string in a few pieces, as the real APIs stream tool arguments. */
export function jsonPieces(value: unknown): string[] {
  const s = JSON.stringify(value);
  const size = Math.max(1, Math.ceil(s.length / 3));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}
