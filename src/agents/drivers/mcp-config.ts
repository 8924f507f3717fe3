import type { RunnerTaskSpec } from '../run/spec.js';

/**
 * The MCP servers of `spec.mcp` as a client config (the `mcpServers` format Claude Code, Cursor
 * and others read): each is `weft mcp <server>` over stdio on the clone.
 */
export function mcpConfig(spec: RunnerTaskSpec, repo: string): { mcpServers: Record<string, { command: string; args: string[] }> } {
  const weft = ['/app/bin/weft.js'];
  const servers: Record<string, { command: string; args: string[] }> = {};
  for (const m of spec.mcp) {
    if (m === 'spec-kit') servers.speckit = { command: 'node', args: [...weft, 'mcp', 'speckit', '--root', repo] };
    if (m === 'obsidian') servers.obsidian = { command: 'node', args: [...weft, 'mcp', 'obsidian', '--vault', repo, '--no-watch'] };
  }
  return { mcpServers: servers };
}
