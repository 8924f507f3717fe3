import type { McpServer } from '@modelcontextprotocol/server';

/** One CLI option of an MCP server (`--vault <dir>`), as commander takes it. */
export interface McpServerOption {
  readonly flags: string;
  readonly description: string;
  readonly default?: string | boolean;
}

/** A started MCP server's state (vault index, repository root) and the factory for protocol instances. */
export interface McpServerInstance {
  /** a fresh McpServer with every tool registered; called once per stdio connection or HTTP request */
  build(): McpServer;
  /** stops watchers and releases what `create` took */
  close(): Promise<void>;
}

/**
 * One kind of Weft MCP server (`obsidian`, `speckit`, later `git`): its name, CLI options, and a lazy
 * loader, so that `weft` loads the MCP SDK only when it runs an MCP server. Adding a server is one
 * folder `src/mcp/<name>/` whose `server.ts` exports a {@link McpServerFactory}, plus one entry in
 * `registry.ts`; `weft mcp <name>` then serves it over stdio or HTTP with the shared flags.
 */
export interface McpServerEntry {
  readonly name: string;
  readonly description: string;
  readonly options: readonly McpServerOption[];
  load(): Promise<McpServerFactory>;
}

/** Builds a server's state from its parsed CLI options (commander's camelCase keys). */
export type McpServerFactory = (options: Record<string, unknown>, log: (line: string) => void) => Promise<McpServerInstance>;
