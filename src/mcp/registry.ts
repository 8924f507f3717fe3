import type { McpServerEntry } from './types.js';

/**
 * The MCP servers `weft mcp <name>` runs. A new server is a `src/mcp/<name>/server.ts` exporting a
 * `McpServerFactory` plus one entry here.
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
  {
    name: 'git',
    description: 'git and pull requests / Radicle patches for one repository: create_branch, commit, push, open_change, review comments, reply, change_status; writes only branches under --branch-prefix',
    options: [
      { flags: '--workspace <dir>', description: 'the agent\'s clone of the repository (default: the current directory)' },
      { flags: '--repo <repo>', description: 'the one repository: owner/name (gitea, github) or rad:z… (radicle)' },
      { flags: '--branch-prefix <prefix>', description: 'the branches the agent may write: PREFIX and PREFIX/…, e.g. weft/task-a' },
      { flags: '--forge <kind>', description: 'gitea (default), github or radicle' },
      { flags: '--forge-url <url>', description: 'the forge\'s base URL (gitea: required; github: GitHub Enterprise web URL)' },
      { flags: '--forge-token-file <path>', description: 'file holding the forge token (radicle: the key passphrase); default $WEFT_FORGE_TOKEN' },
      { flags: '--rad-home <dir>', description: 'radicle: the identity\'s RAD_HOME (default $RAD_HOME)' },
      { flags: '--author <identity>', description: 'commit author as "Name <email>" (default: Weft agent <agent@weft.invalid>)' },
    ],
    load: async () => (await import('./git/server.js')).gitServer,
  },
];
