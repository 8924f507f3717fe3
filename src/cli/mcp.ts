import type { Command } from 'commander';
import { McpConfigError } from '../mcp/errors.js';
import { MCP_SERVERS } from '../mcp/registry.js';
import type { McpServeFlags } from '../mcp/serve.js';
import { EXIT, untilSignal, type CliIO } from './io.js';

/**
 * Adds `weft mcp <server>` for every server in the MCP registry, each with its own options and the
 * shared `--http`, `--token-file`, `--allow-remote`. Under stdio, stdout carries only the protocol;
 * logs go to stderr.
 */
export function addMcpCommands(program: Command, io: CliIO, run: (fn: () => Promise<number>) => () => void): void {
  const mcp = program.command('mcp').description('Model Context Protocol servers for agents (stdio, or streamable HTTP with --http)');
  for (const def of MCP_SERVERS) {
    const cmd = mcp.command(def.name).description(def.description);
    for (const o of def.options) cmd.option(o.flags, o.description);
    cmd
      .option('--http <host:port>', 'serve streamable HTTP at http://HOST:PORT/mcp instead of stdio (loopback only unless --allow-remote; port 0 picks one)')
      .option('--token-file <path>', 'with --http: file holding the bearer token (default: $WEFT_MCP_TOKEN)')
      .option('--allow-remote', 'with --http: allow a non-loopback listen address')
      .action((o: Record<string, unknown> & McpServeFlags) =>
        run(async () => {
          const { serveMcp } = await import('../mcp/serve.js');
          try {
            return await serveMcp(def, o, { err: io.err, untilStopped: untilSignal });
          } catch (err) {
            if (!(err instanceof McpConfigError)) throw err;
            io.err(`error: ${err.message}\n`);
            return EXIT.usage;
          }
        })(),
      );
  }
}
