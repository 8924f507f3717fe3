import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, readVersionsEnv } from '../../cluster/tools.js';

/** Binaries of the local forges, built by hack/build-tools.sh (Gitea from Go, Radicle with cargo). */
export type ForgeTool = 'gitea' | 'rad' | 'radicle-node' | 'git-remote-rad';

/** Raised when a forge binary has not been built; the message says how to build it. */
export class ForgeToolNotFoundError extends Error {
  constructor(
    readonly tool: ForgeTool,
    readonly path: string,
  ) {
    const how = tool === 'gitea' ? 'hack/build-tools.sh gitea (needs Go >= 1.26, about 5 minutes cold)' : 'hack/build-tools.sh rad (needs Rust >= 1.88, about 7 minutes cold)';
    super(`${tool} not found at ${path}. Build it with \`${how}\`, or \`npm run tools\` for every component; WEFT_BIN_DIR may point at a directory holding ${tool}.`);
    this.name = 'ForgeToolNotFoundError';
  }
}

/** The directory a forge tool is built into: `<cache>/bin/gitea-<v>` or `<cache>/bin/radicle-<v>`. */
export function forgeToolDir(tool: ForgeTool, env: NodeJS.ProcessEnv = process.env): string {
  if (env.WEFT_BIN_DIR) return env.WEFT_BIN_DIR;
  const v = readVersionsEnv();
  const product = tool === 'gitea' ? `gitea-${v.GITEA_VERSION ?? 'unknown'}` : `radicle-${v.RADICLE_CLI_VERSION ?? 'unknown'}`;
  return join(cacheDir(env), 'bin', product);
}

/** Absolute path of a forge tool; throws {@link ForgeToolNotFoundError} (with the build command) when missing. */
export function forgeToolPath(tool: ForgeTool, env: NodeJS.ProcessEnv = process.env): string {
  const path = join(forgeToolDir(tool, env), tool);
  if (!existsSync(path)) throw new ForgeToolNotFoundError(tool, path);
  return path;
}
