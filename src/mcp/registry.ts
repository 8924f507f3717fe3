import type { McpServerEntry } from './types.js';

/**
 * The MCP servers `weft mcp <name>` runs. A new server (the `git` one, once `ForgeProvider` exists)
 * is a `src/mcp/<name>/server.ts` exporting a `McpServerFactory` plus one entry here.
 */
export const MCP_SERVERS: readonly McpServerEntry[] = [
  {
    name: 'obsidian',
    description: 'a headless Obsidian vault: read, list, search, tags, links and backlinks, query sets (Bases, query blocks), writes with --allow-write',
    options: [
      { flags: '--vault <dir>', description: 'the vault folder (default: the current directory)' },
      { flags: '--allow-write [folders]', description: 'allow writes: to the whole vault, or only to these comma-separated folders' },
      { flags: '--no-watch', description: 'do not follow file changes (the index is built once)' },
    ],
    load: async () => (await import('./obsidian/server.js')).obsidianServer,
  },
  {
    name: 'speckit',
    description: 'Spec-Kit specs/NNN-feature/{spec,plan,tasks}.md: list and read tasks, mark them done, add notes',
    options: [
      { flags: '--root <dir>', description: 'the repository holding specs/ (default: the current directory)' },
      { flags: '--read-only', description: 'refuse set_task_status and append_task_note' },
    ],
    load: async () => (await import('./speckit/server.js')).speckitServer,
  },
];
