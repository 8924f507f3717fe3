import { stat } from 'node:fs/promises';
import { versionInfo } from '../../version.js';
import { McpConfigError } from '../errors.js';
import type { McpServerFactory } from '../types.js';
import { SpecRepo } from './repo.js';
import { buildSpecKitServer } from './tools.js';

/** `weft mcp speckit` options. */
export interface SpecKitOptions {
  root?: string;
  readOnly?: boolean;
}

/** The Spec-Kit server: features, spec/plan/tasks, task status and notes in tasks.md. */
export const speckitServer: McpServerFactory = async (flags, log) => {
    const options = flags as SpecKitOptions;
    const root = options.root ?? process.cwd();
    const st = await stat(root).catch(() => undefined);
    if (!st?.isDirectory()) throw new McpConfigError(`--root ${JSON.stringify(root)}: not a folder`);
    const repo = await SpecRepo.open(root);
    const features = await repo.features();
    log(`${features.length} features under ${repo.root}/specs${options.readOnly ? ' (read-only)' : ''}`);
    const version = versionInfo().version;
    return { build: () => buildSpecKitServer({ repo, readOnly: options.readOnly === true, version }), close: async () => {} };
};
