import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runShell } from '../run/shell.js';
import type { Driver } from './types.js';
import { mcpConfig } from './mcp-config.js';
import { taskPrompt } from './prompt.js';

/** How long an agent CLI may work. */
const COMMAND_TIMEOUT_MS = 60 * 60_000;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `spec.agent.command` (any agent CLI in the image) in the clone, with the OpenAI and
 * Anthropic base URLs of the gateway (already in the pod's environment), the pod's token as the
 * "API key" (the gateway swaps it for the real key), the task text and an MCP config file.
 */
export const commandDriver: Driver = async (ctx) => {
  const { spec, repo, log } = ctx;
  const argv = spec.agent.command ?? [];
  if (!argv.length) return { ok: false, message: 'spec.agent.command is empty' };
  const home = process.env.HOME ?? '/tmp';
  const promptFile = join(home, 'weft-task.md');
  const prompt = await taskPrompt(spec, repo);
  await writeFile(promptFile, prompt);
  const mcpFile = join(home, 'weft-mcp.json');
  await writeFile(mcpFile, JSON.stringify(mcpConfig(spec, repo), null, 2));
  const token = (await readFile(ctx.tokenFile, 'utf8')).trim();
  log(`agent: ${argv.join(' ')}`);
  const r = await runShell(argv.map(quote).join(' '), {
    cwd: repo,
    log,
    timeoutMs: COMMAND_TIMEOUT_MS,
    env: {
      ...process.env,
      OPENAI_API_KEY: token,
      ANTHROPIC_API_KEY: token,
      ...(spec.agent.model ? { WEFT_MODEL: spec.agent.model } : {}),
      WEFT_TASK_PROMPT: prompt.slice(0, 100_000),
      WEFT_TASK_PROMPT_FILE: promptFile,
      WEFT_MCP_CONFIG: mcpFile,
    },
  });
  return r.exitCode === 0 ? { ok: true } : { ok: false, message: `\`${argv.join(' ')}\` ${r.timedOut ? 'timed out' : `exited ${r.exitCode}`}:\n${r.output.slice(-4000)}` };
};
