import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { join } from 'node:path';
import { LocalControlPlane } from '../../src/cluster/local.js';
import type { Logger } from 'pino';
import { diagnosticsTarget, watchLog, type DiagnosticsTarget } from './diagnostics.js';
import { LogRing, ringLogger } from './log-ring.js';

export { eventually } from './eventually.js';
export { processesMentioning } from './processes.js';
export { kubectl } from './kubectl.js';
export { collectDiagnostics, diagnosticsTarget, watchLog, withDiagnostics, type DiagnosticsTarget } from './diagnostics.js';
export { LogRing, ringLogger } from './log-ring.js';

let shared: Promise<LocalControlPlane> | undefined;

/**
 * The control plane shared by every test file of this jest worker (started by global-setup.ts).
 * Never stop it from a test; create a namespace per test instead.
 */
export function controlPlane(): Promise<LocalControlPlane> {
  shared ??= (async () => {
    const dir = controlPlaneDir();
    if (!dir) {
      throw new Error('WEFT_TEST_CP_DIRS is not set: run integration tests through jest\'s "integration" project (npm run test:integration)');
    }
    return LocalControlPlane.attach(dir);
  })();
  return shared;
}

/** This worker's control plane directory (global-setup.ts started it). */
function controlPlaneDir(): string | undefined {
  const dirs = (process.env.WEFT_TEST_CP_DIRS ?? '').split(',').filter(Boolean);
  return dirs.length ? dirs[(Number(process.env.JEST_WORKER_ID ?? '1') - 1) % dirs.length] : undefined;
}

/**
 * What a failed integration test dumps (test/harness/diagnostics.ts): the shared control plane's
 * objects and Events in every namespace createNamespace made, and the logs added with watchLog.
 */
export function controlPlaneDiagnostics(): DiagnosticsTarget {
  return diagnosticsTarget('control plane', () => {
    const dir = controlPlaneDir();
    return dir ? join(dir, 'kubeconfig') : undefined;
  });
}

/**
 * A logger for an operator (or controller) a test runs in this process: its lines go to a ring
 * buffer that a failed test dumps, not to the console. Replaces `pino({ level: 'silent' })`.
 * @example const op = await runOperator(cfg, testLogger(`operator ${ns}`));
 */
export function testLogger(name = 'operator'): Logger {
  const ring = new LogRing();
  watchLog(controlPlaneDiagnostics(), name, ring);
  return ringLogger(ring);
}

/** Keeps the output of a child process (e.g. `weft operator`) in a ring buffer that a failed test dumps. */
export function captureOutput(name: string, streams: Array<NodeJS.ReadableStream | null>): void {
  const ring = new LogRing();
  for (const s of streams) s?.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => ring.write(l)));
  watchLog(controlPlaneDiagnostics(), name, ring);
}

/** A unique, DNS-safe name with a prefix, e.g. `rbac-3f9a1c`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Creates a fresh namespace labelled for tests and returns its name. */
export async function createNamespace(kc: KubeConfig, prefix = 'test'): Promise<string> {
  const name = uniqueName(prefix);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name, labels: { 'weft.dev/test': 'true' } } } });
  controlPlaneDiagnostics().namespaces.add(name);
  return name;
}

/** Deletes a namespace created by {@link createNamespace} (no controller-manager: it only starts terminating). */
export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).deleteNamespace({ name }).catch(() => undefined);
}
