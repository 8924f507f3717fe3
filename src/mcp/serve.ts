import { readFile } from 'node:fs/promises';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { McpConfigError } from './errors.js';
import { serveMcpHttp } from './http.js';
import type { McpServerEntry } from './types.js';

/** The flags every `weft mcp <server>` shares. */
export interface McpServeFlags {
  /** serve streamable HTTP on HOST:PORT instead of stdio */
  http?: string;
  /** file holding the bearer token (else $WEFT_MCP_TOKEN) */
  tokenFile?: string;
  allowRemote?: boolean;
}

/** Where a running server reports (stderr: stdout belongs to the protocol under stdio). */
export interface McpServeIO {
  err(text: string): void;
  /** resolves when the process should stop (SIGINT/SIGTERM) */
  untilStopped(): Promise<unknown>;
}

async function bearerToken(flags: McpServeFlags): Promise<string> {
  const token = flags.tokenFile ? (await readFile(flags.tokenFile, 'utf8')).trim() : process.env.WEFT_MCP_TOKEN?.trim();
  if (!token) throw new McpConfigError('--http needs a bearer token: set WEFT_MCP_TOKEN or pass --token-file <path>');
  return token;
}

/**
 * Runs one MCP server until stopped: over stdio (until the client closes stdin or a signal), or
 * over streamable HTTP with `--http` (until a signal). Returns the exit code.
 */
export async function serveMcp(def: McpServerEntry, options: Record<string, unknown> & McpServeFlags, io: McpServeIO): Promise<number> {
  const log = (line: string) => io.err(`weft mcp ${def.name}: ${line}\n`);
  const token = options.http ? await bearerToken(options) : undefined;
  const instance = await (await def.load())(options, log);
  const onError = (err: Error) => log(`error: ${err.message}`);
  try {
    if (options.http && token) {
      const endpoint = await serveMcpHttp(() => instance.build(), { addr: options.http, token, allowRemote: options.allowRemote }, onError);
      log(`listening on ${endpoint.url}`);
      await io.untilStopped();
      await endpoint.close();
      return 0;
    }
    let closed!: () => void;
    const stdinClosed = new Promise<void>((resolve) => (closed = resolve));
    process.stdin.once('end', () => closed());
    process.stdin.once('close', () => closed());
    const handle = serveStdio(() => instance.build(), { onerror: onError });
    log('serving on stdio');
    await Promise.race([stdinClosed, io.untilStopped()]);
    await handle.close();
    return 0;
  } finally {
    await instance.close();
  }
}
