import { versionInfo } from '../../version.js';
import { McpConfigError } from '../errors.js';
import type { McpServerFactory } from '../types.js';
import { bindForge, type ForgeFlags } from './forge.js';
import { BranchScope } from './scope.js';
import { buildGitServer } from './tools.js';
import { Workspace, type GitIdentity } from './workspace.js';

/** `weft mcp git` options. */
export interface GitServerOptions extends ForgeFlags {
  workspace?: string;
  branchPrefix?: string;
  author?: string;
}

const DEFAULT_AUTHOR: GitIdentity = { name: 'Weft agent', email: 'agent@weft.invalid' };

function identityOf(author: string | undefined): GitIdentity {
  if (author === undefined) return DEFAULT_AUTHOR;
  const m = /^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(author);
  if (!m?.[1] || !m[2]) throw new McpConfigError(`--author ${JSON.stringify(author)}: expected "Name <email>", e.g. "Agent A <agent-a@example.com>"`);
  return { name: m[1], email: m[2] };
}

/**
 * The Git/Radicle server: branches, commits and pushes in one workspace clone, and the change
 * (pull request or patch) for them on one repository, writing only branches under one prefix.
 */
export const gitServer: McpServerFactory = async (flags, log) => {
  const options = flags as GitServerOptions;
  const scope = new BranchScope(options.branchPrefix);
  const identity = identityOf(options.author);
  const binding = await bindForge(options);
  let ws: Workspace;
  try {
    ws = await Workspace.open(options.workspace ?? process.cwd(), identity);
  } catch (err) {
    await binding.close();
    throw err;
  }
  log(`workspace ${ws.root}, ${binding.kind} repository ${binding.repo}, branches ${scope.allowed}`);
  const version = versionInfo().version;
  const ownChanges = new Map<string, string>();
  const defaultBranch: { value?: string } = {};
  return {
    build: () => buildGitServer({ ws, binding, scope, version, ownChanges, defaultBranch }),
    close: async () => {
      await binding.close();
      await ws.close();
    },
  };
};
