/**
 * The built-in agent: a tool-calling loop over the operator's LLM gateway (OpenAI Chat Completions
 * wire format, which every provider the gateway fronts speaks through it). Its tools act on the
 * clone only: read, write and list files, run a command. It ends when the model calls `finish` or
 * answers without a tool call, or after MAX_TURNS.
 */
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runShell } from '../run/shell.js';
import type { Driver, DriverContext, DriverResult } from './types.js';
import { repoPath } from './paths.js';
import { taskPrompt } from './prompt.js';

export const MAX_TURNS = 40;
const DEFAULT_MODEL = 'gpt-4.1-mini';
const COMMAND_TIMEOUT_MS = 10 * 60_000;

const TOOLS = [
  { name: 'read_file', description: 'Read a file of the repository (path relative to its root).', parameters: { type: 'object', required: ['path'], properties: { path: { type: 'string' } } } },
  { name: 'write_file', description: 'Replace a file of the repository with new content.', parameters: { type: 'object', required: ['path', 'content'], properties: { path: { type: 'string' }, content: { type: 'string' } } } },
  { name: 'list_files', description: 'List a directory of the repository.', parameters: { type: 'object', properties: { path: { type: 'string' } } } },
  { name: 'run_command', description: 'Run a shell command in the repository root; returns the exit code and the output tail.', parameters: { type: 'object', required: ['command'], properties: { command: { type: 'string' } } } },
  { name: 'finish', description: 'Say the task is done (the runner then runs the lint and test commands).', parameters: { type: 'object', properties: { summary: { type: 'string' } } } },
].map((f) => ({ type: 'function' as const, function: f }));

interface ToolCall {
  id: string;
  function: { name: string; arguments: string };
}
interface Message {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

async function callTool(ctx: DriverContext, call: ToolCall): Promise<string> {
  let args: Record<string, string>;
  try {
    args = JSON.parse(call.function.arguments || '{}') as Record<string, string>;
  } catch {
    return `error: arguments are not JSON: ${call.function.arguments.slice(0, 200)}`;
  }
  try {
    switch (call.function.name) {
      case 'read_file':
        return (await readFile(repoPath(ctx.repo, args.path ?? ''), 'utf8')).slice(0, 100_000);
      case 'write_file': {
        const file = repoPath(ctx.repo, args.path ?? '');
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, args.content ?? '');
        ctx.log(`agent: wrote ${args.path}`);
        return 'ok';
      }
      case 'list_files': {
        const dir = args.path ? repoPath(ctx.repo, args.path) : ctx.repo;
        const entries = await readdir(dir, { withFileTypes: true });
        return entries.filter((e) => e.name !== '.git').map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).join('\n');
      }
      case 'run_command': {
        ctx.log(`agent: run ${args.command}`);
        const r = await runShell(args.command ?? 'true', { cwd: ctx.repo, log: ctx.log, timeoutMs: COMMAND_TIMEOUT_MS, tailBytes: 8000 });
        return `exit code ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}\n${r.output}`;
      }
      default:
        return `error: unknown tool ${call.function.name}`;
    }
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

async function complete(ctx: DriverContext, messages: Message[]): Promise<{ ok: true; message: Message } | { ok: false; result: DriverResult }> {
  const token = (await readFile(ctx.tokenFile, 'utf8')).trim();
  const base = process.env.OPENAI_BASE_URL ?? `${ctx.gatewayUrl}/llm/${ctx.spec.task.namespace}/${ctx.spec.task.name}/openai/v1`;
  const res = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-weft-attempt': String(ctx.spec.attempt) },
    body: JSON.stringify({ model: ctx.spec.agent.model ?? DEFAULT_MODEL, messages, tools: TOOLS }),
  });
  const text = await res.text();
  if (!res.ok) {
    let why = text.slice(0, 2000);
    try {
      why = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? why;
    } catch {
      /* not JSON */
    }
    return { ok: false, result: { ok: false, infra: true, message: `the LLM gateway answered ${res.status}: ${why}` } };
  }
  const body = JSON.parse(text) as { choices?: Array<{ message?: Message }> };
  const message = body.choices?.[0]?.message;
  if (!message) return { ok: false, result: { ok: false, infra: true, message: 'the LLM answered without a message' } };
  return { ok: true, message };
}

export const weftAgentDriver: Driver = async (ctx) => {
  const messages: Message[] = [
    { role: 'system', content: 'You are a coding agent working in a git repository. Use the tools to read and change files and to run commands. Keep changes minimal. Call finish when done.' },
    { role: 'user', content: await taskPrompt(ctx.spec, ctx.repo) },
  ];
  for (let turn = 1; turn <= MAX_TURNS; turn++) {
    const r = await complete(ctx, messages);
    if (!r.ok) return r.result;
    const msg = r.message;
    messages.push({ role: 'assistant', content: msg.content ?? null, ...(msg.tool_calls?.length ? { tool_calls: msg.tool_calls } : {}) });
    if (msg.content) ctx.log(`agent: ${msg.content.split('\n')[0]!.slice(0, 200)}`);
    if (!msg.tool_calls?.length) return { ok: true };
    for (const call of msg.tool_calls) {
      if (call.function.name === 'finish') return { ok: true };
      messages.push({ role: 'tool', tool_call_id: call.id, content: await callTool(ctx, call) });
    }
  }
  return { ok: false, message: `the agent did not finish in ${MAX_TURNS} turns` };
};
