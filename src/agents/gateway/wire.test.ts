import { Readable } from 'node:stream';
import { anthropicMessage, anthropicStream } from '../../../test/fakes/llm/anthropic.js';
import { openAiCompletion, openAiStream } from '../../../test/fakes/llm/openai.js';
import { assembleStream } from './assemble.js';
import { SseTap } from './sse.js';
import { UsageLedger } from './usage.js';
import { usageOfBody } from './wire.js';

const turn = { text: 'Hello there, agent', model: 'm-1', usage: { input: 120, output: 7, cached: 100 } };
const openAiFrames = (includeUsage: boolean) => openAiStream(turn, { stream: true, stream_options: { include_usage: includeUsage } }).map((d) => `data: ${d}\n\n`).join('');
const anthropicFrames = () => anthropicStream({ ...turn, toolCalls: [{ name: 'read_file', arguments: { path: 'a.ts' } }] }, { stream: true }).map((e) => `event: ${e.event}\ndata: ${e.data}\n\n`).join('');

/** Runs text through a tap in pieces of `size` bytes (SSE events split anywhere, even in UTF-8). */
async function tap(api: 'openai' | 'anthropic', text: string, size: number, dropUsageChunk = false) {
  const buf = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) pieces.push(buf.subarray(i, i + size));
  const t = new SseTap({ api, dropUsageChunk });
  const out: Buffer[] = [];
  for await (const c of Readable.from(pieces).pipe(t)) out.push(Buffer.from(c as Buffer));
  return { reading: t.reading(), out: Buffer.concat(out).toString(), events: t.events };
}

describe('usage from replies', () => {
  it('reads OpenAI and Anthropic bodies, input including cached tokens', () => {
    expect(usageOfBody('openai', openAiCompletion(turn, {}))).toEqual({ model: 'm-1', input: 120, output: 7, cached: 100, seen: true });
    expect(usageOfBody('anthropic', anthropicMessage(turn, {}))).toEqual({ model: 'm-1', input: 120, output: 7, cached: 100, seen: true });
    expect(usageOfBody('openai', { error: {} }).seen).toBe(false);
  });

  it.each([1, 7, 64, 100_000])('reads an OpenAI stream cut into %i-byte pieces and passes it through unchanged', async (size) => {
    const text = openAiFrames(true);
    const r = await tap('openai', text, size);
    expect(r.reading).toEqual({ model: 'm-1', input: 120, output: 7, cached: 100, seen: true });
    expect(r.out).toBe(text);
    expect(r.events.at(-1)).toEqual({ data: '[DONE]' });
  });

  it('drops the usage-only chunk when the gateway asked for it on the agent\'s behalf', async () => {
    const r = await tap('openai', openAiFrames(true), 13, true);
    expect(r.reading.input).toBe(120);
    expect(r.out).not.toContain('"choices":[]');
    expect(r.out).toContain('data: [DONE]\n\n');
    expect(r.out.split('\n\n').filter(Boolean)).toHaveLength(openAiFrames(true).split('\n\n').filter(Boolean).length - 1);
  });

  it.each([1, 5, 333])('reads an Anthropic stream (text and tool_use blocks) cut into %i-byte pieces', async (size) => {
    const text = anthropicFrames();
    const r = await tap('anthropic', text, size);
    expect(r.reading).toEqual({ model: 'm-1', input: 120, output: 7, cached: 100, seen: true });
    expect(r.out).toBe(text);
    expect(r.events.map((e) => e.event)).toEqual(expect.arrayContaining(['message_start', 'content_block_delta', 'message_delta', 'message_stop']));
  });

  it('keeps message_start input counts when message_delta reports only output', async () => {
    const frames = [
      'event: message_start\ndata: {"type":"message_start","message":{"model":"c","usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":1}}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":42}}\n\n',
    ].join('');
    expect((await tap('anthropic', frames, 9)).reading).toEqual({ model: 'c', input: 15, output: 42, cached: 5, seen: true });
  });
});

describe('UsageLedger', () => {
  const t = { namespace: 'acme', name: 't1' };
  it('counts per model, in flight for budgets, and snapshots as status.usage', () => {
    const l = new UsageLedger();
    l.begin(t, Date.parse('2026-12-05T03:00:00Z'));
    l.begin(t, Date.parse('2026-12-05T03:00:05Z'));
    expect(l.use(t)).toEqual({ tokens: 0, requests: 2, firstRequestMs: Date.parse('2026-12-05T03:00:00Z') });
    l.end(t, 'b', { input: 10, output: 2, cached: 4 });
    l.end(t, 'a', { input: 1, output: 1, cached: 0 });
    expect(l.use(t)).toMatchObject({ tokens: 14, requests: 2 });
    const snap = l.snapshot(t);
    expect(snap).toEqual({
      requests: 2, inputTokens: 11, outputTokens: 3, cachedTokens: 4, firstRequestTime: '2026-12-05T03:00:00.000Z',
      models: [
        { model: 'a', requests: 1, inputTokens: 1, outputTokens: 1, cachedTokens: 0 },
        { model: 'b', requests: 1, inputTokens: 10, outputTokens: 2, cachedTokens: 4 },
      ],
    });
    const restored = new UsageLedger();
    restored.restore(t, snap);
    expect(restored.snapshot(t)).toEqual(snap);
  });
  it('lumps models beyond the status limit into "other"', () => {
    const l = new UsageLedger();
    for (let i = 0; i < 70; i++) l.end(t, `m${i}`, { input: 1, output: 0, cached: 0 });
    const s = l.snapshot(t);
    expect(s.models).toHaveLength(64);
    expect(s.models!.find((m) => m.model === 'other')?.requests).toBe(7);
  });
});

describe('assembleStream', () => {
  it('rebuilds an OpenAI message with tool calls from its chunks', () => {
    const t = { text: 'Let me look.', toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'a.ts' } }], model: 'm-1' };
    const events = openAiStream(t, { stream: true }).map((data) => ({ data }));
    expect(assembleStream('openai', events)).toEqual({ model: 'm-1', content: 'Let me look.', finish_reason: 'tool_calls', tool_calls: [{ id: 'call_1', name: 'read_file', arguments: '{"path":"a.ts"}' }] });
  });
  it('rebuilds an Anthropic message with text and tool_use blocks from its events', () => {
    const t = { text: 'Reading.', toolCalls: [{ id: 'toolu_1', name: 'read_file', arguments: { path: 'a.ts' } }], model: 'c-1' };
    expect(assembleStream('anthropic', anthropicStream(t, { stream: true }))).toEqual({
      model: 'c-1',
      stop_reason: 'tool_use',
      content: [{ type: 'text', text: 'Reading.' }, { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'a.ts' } }],
    });
  });
});
