import { homedir } from 'node:os';
import { join } from 'node:path';

/** Weft's local state directory: `--home`, else `$WEFT_HOME`, else `~/.weft`. */
export function weftHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.WEFT_HOME ?? join(homedir(), '.weft');
}

/** Where `weft cluster up` and `weft up` keep the local control plane. */
export function clusterDir(home: string): string {
  return join(home, 'cluster');
}
