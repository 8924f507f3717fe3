import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { LocalControlPlane } from '../../src/cluster/local.js';
import { toolPath } from '../../src/cluster/tools.js';

export { eventually } from './eventually.js';
export { processesMentioning } from './processes.js';

let shared: Promise<LocalControlPlane> | undefined;

/**
 * The control plane shared by every test file of this jest worker (started by global-setup.ts).
 * Never stop it from a test; create a namespace per test instead.
 */
export function controlPlane(): Promise<LocalControlPlane> {
  shared ??= (async () => {
    const dirs = (process.env.WEFT_TEST_CP_DIRS ?? '').split(',').filter(Boolean);
    if (dirs.length === 0) {
      throw new Error('WEFT_TEST_CP_DIRS is not set: run integration tests through jest\'s "integration" project (npm run test:integration)');
    }
    const worker = Number(process.env.JEST_WORKER_ID ?? '1');
    return LocalControlPlane.attach(dirs[(worker - 1) % dirs.length]!);
  })();
  return shared;
}

/** A unique, DNS-safe name with a prefix, e.g. `rbac-3f9a1c`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Creates a fresh namespace labelled for tests and returns its name. */
export async function createNamespace(kc: KubeConfig, prefix = 'test'): Promise<string> {
  const name = uniqueName(prefix);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name, labels: { 'weft.dev/test': 'true' } } } });
  return name;
}

/** Deletes a namespace created by {@link createNamespace} (no controller-manager: it only starts terminating). */
export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).deleteNamespace({ name }).catch(() => undefined);
}

/** Runs the real kubectl against `kubeconfig`; never throws, so tests can assert on failures. */
export async function kubectl(kubeconfig: string, args: string[], input?: string) {
  const r = await execa(toolPath('kubectl'), ['--kubeconfig', kubeconfig, ...args], { input, reject: false, timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}
