import { stat } from 'node:fs/promises';
import { versionInfo } from '../../version.js';
import { McpConfigError } from '../errors.js';
import type { McpServerFactory } from '../types.js';
import { buildObsidianServer } from './tools.js';
import { VaultIndex } from './vault-index.js';
import { writePolicyOf } from './writes.js';

/** `weft mcp obsidian` options. */
export interface ObsidianOptions {
  vault?: string;
  allowWrite?: boolean | string;
  watch?: boolean;
}

/** The headless Obsidian vault server: notes, search, links, tags, query sets, guarded writes. */
export const obsidianServer: McpServerFactory = async (flags, log) => {
    const options = flags as ObsidianOptions;
    const root = options.vault ?? process.cwd();
    const st = await stat(root).catch(() => undefined);
    if (!st?.isDirectory()) throw new McpConfigError(`--vault ${JSON.stringify(root)}: not a folder`);
    const started = performance.now();
    const index = await VaultIndex.open(root, { watch: options.watch !== false });
    const policy = writePolicyOf(options.allowWrite);
    log(`indexed ${index.size} files of ${index.root} in ${Math.round(performance.now() - started)} ms; writes ${policy.enabled ? 'allowed' : 'disabled'}`);
    const version = versionInfo().version;
    return { build: () => buildObsidianServer({ index, policy, version }), close: async () => index.close() };
};
