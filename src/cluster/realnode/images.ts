import { execa } from 'execa';
import { join } from 'node:path';
import { packageRoot } from '../../version.js';

/** The images hack/images/build.sh knows. */
export type ImageName = 'pause' | 'runner' | 'operator' | 'agent' | 'docops' | 'mlbatch' | 'scan' | 'notebook' | 'code-server';

/** A built image: its reference in containerd and the OCI archive that holds it. */
export interface BuiltImage {
  name: ImageName;
  ref: string;
  archive: string;
}

/** References pods use (with `imagePullPolicy: Never`). */
export const IMAGE_REFS: Record<ImageName, string> = {
  pause: 'localhost/pause:weft',
  runner: 'localhost/weft-runner:dev',
  operator: 'localhost/weft-operator:dev',
  agent: 'localhost/weft-agent:dev',
  docops: 'localhost/weft-docops:dev',
  mlbatch: 'localhost/weft-mlbatch:dev',
  scan: 'localhost/weft-scan:dev',
  notebook: 'localhost/weft-notebook:dev',
  /** The code-server sidecar (spec.agent.codeServer), its own image so that `agent` stays small. */
  'code-server': 'localhost/weft-code-server:dev',
};

/**
 * Builds (or finds in the cache) the named images with hack/images/build.sh and returns their
 * archives. A warm cache only hashes the inputs; a cold one runs mmdebstrap (about a minute each).
 */
export async function buildImages(names: readonly ImageName[], env: NodeJS.ProcessEnv = process.env): Promise<BuiltImage[]> {
  const script = join(packageRoot(), 'hack', 'images', 'build.sh');
  const r = await execa('bash', [script, ...names], { reject: false, env, timeout: 1_800_000 });
  if (r.exitCode !== 0) {
    throw new Error(`building images ${names.join(', ')} failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').slice(-8).join('\n')}`);
  }
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, ref, archive] = line.split(' ') as [ImageName, string, string];
      return { name, ref, archive };
    });
}
