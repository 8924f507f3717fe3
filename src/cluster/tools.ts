import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../version.js';

/** Binaries built from Go modules by hack/build-tools.sh. */
export type ToolName =
  | 'kube-apiserver'
  | 'kubectl'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubelet'
  | 'kube-proxy'
  | 'etcd'
  | 'etcdctl'
  | 'kwok'
  | 'headscale'
  | 'tailscale'
  | 'tailscaled';

const PRODUCT: Record<ToolName, 'k8s' | 'etcd' | 'kwok' | 'headscale'> = {
  'kube-apiserver': 'k8s',
  kubectl: 'k8s',
  'kube-controller-manager': 'k8s',
  'kube-scheduler': 'k8s',
  kubelet: 'k8s',
  'kube-proxy': 'k8s',
  etcd: 'etcd',
  etcdctl: 'etcd',
  kwok: 'kwok',
  headscale: 'headscale',
  tailscale: 'headscale',
  tailscaled: 'headscale',
};

/** Raised when a required binary has not been built; the message says how to build it. */
export class ToolNotFoundError extends Error {
  constructor(
    readonly tool: ToolName,
    readonly path: string,
  ) {
    super(
      `${tool} not found at ${path}. Build the real components with \`npm run tools\` ` +
        `(hack/build-tools.sh ${tool}; needs Go >= 1.26 and the Go module proxy), ` +
        `or point WEFT_BIN_DIR at a directory that holds ${tool}.`,
    );
    this.name = 'ToolNotFoundError';
  }
}

/** Every `NAME=value` of hack/tools/versions.env (empty where it is not shipped, e.g. in the operator image). */
export function readVersionsEnv(): Record<string, string> {
  const file = join(packageRoot(), 'hack', 'tools', 'versions.env');
  const env: Record<string, string> = {};
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(\S+)/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** Pinned versions from hack/tools/versions.env. */
export function toolVersions(): { k8s: string; etcd: string; kwok: string; headscale: string } {
  // The operator image ships no hack/: there the versions are simply unknown.
  const env = readVersionsEnv();
  return {
    k8s: env.K8S_VERSION ?? 'unknown',
    etcd: env.ETCD_VERSION ?? 'unknown',
    kwok: env.KWOK_VERSION ?? 'unknown',
    headscale: env.HEADSCALE_VERSION ?? 'unknown',
  };
}

/** The cache root: `$WEFT_CACHE`, default `~/.cache/weft`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WEFT_CACHE || join(homedir(), '.cache', 'weft');
}

/**
 * Absolute path of a built tool. `WEFT_BIN_DIR` (one directory holding every binary) wins over the
 * cache layout `<cache>/bin/<product>-<version>/<tool>`. Throws ToolNotFoundError when missing.
 */
export function toolPath(tool: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  let path: string;
  if (env.WEFT_BIN_DIR) {
    path = join(env.WEFT_BIN_DIR, tool);
  } else {
    const product = PRODUCT[tool];
    path = join(cacheDir(env), 'bin', `${product}-${toolVersions()[product]}`, tool);
  }
  if (!existsSync(path)) throw new ToolNotFoundError(tool, path);
  return path;
}
