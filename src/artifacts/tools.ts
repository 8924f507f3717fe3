import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../cluster/tools.js';
import { packageRoot } from '../version.js';

/** The issue-20 components that hack/build-tools.sh builds: the S3 store and the OpenTelemetry collector. */
export type ComponentName = 'versitygw' | 'otelcol';

const VERSION_VAR: Record<ComponentName, string> = { versitygw: 'VERSITYGW_VERSION', otelcol: 'OTELCOL_VERSION' };

/** A component binary has not been built; the message says how to build it. */
export class ComponentNotBuiltError extends Error {
  constructor(
    readonly component: ComponentName,
    readonly path: string,
  ) {
    super(
      `${component} not found at ${path}: run hack/build-tools.sh ${component} ` +
        `(needs Go >= 1.26 and the Go module proxy), or point WEFT_BIN_DIR at a directory that holds ${component}`,
    );
    this.name = 'ComponentNotBuiltError';
  }
}

/** The pinned version of a component from hack/tools/versions.env ('unknown' when absent). */
export function componentVersion(component: ComponentName): string {
  const file = join(packageRoot(), 'hack', 'tools', 'versions.env');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const m = new RegExp(`^${VERSION_VAR[component]}=(\\S+)`, 'm').exec(text);
  return m?.[1] ?? 'unknown';
}

/**
 * Absolute path of a built component: `$WEFT_BIN_DIR/<name>` when set, else
 * `<cache>/bin/<name>-<version>/<name>`. Throws {@link ComponentNotBuiltError} when missing.
 */
export function componentPath(component: ComponentName, env: NodeJS.ProcessEnv = process.env): string {
  const path = env.WEFT_BIN_DIR
    ? join(env.WEFT_BIN_DIR, component)
    : join(cacheDir(env), 'bin', `${component}-${componentVersion(component)}`, component);
  if (!existsSync(path)) throw new ComponentNotBuiltError(component, path);
  return path;
}
