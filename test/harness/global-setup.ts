import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as LocalModule from '../../src/cluster/local.js';
import type * as CrdsModule from '../../src/cluster/crds.js';

// Jest loads global setup through Node's own ESM loader, which cannot resolve the TypeScript sources'
// `.js` imports, so the control plane comes from the build output (`npm run build`).
const DIST = new URL('../../dist/src/cluster/local.js', import.meta.url);

/**
 * Starts one real control plane per jest worker for the integration project; workers find theirs
 * through WEFT_TEST_CP_DIRS (JEST_WORKER_ID picks one). Tests isolate themselves by namespace.
 */
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` before the integration tests (npm run test:integration does)');
  const { LocalControlPlane } = (await import(DIST.href)) as typeof LocalModule;
  const n = Math.max(1, Math.min(globalConfig.maxWorkers, 4));
  const root = await mkdtemp(join(tmpdir(), 'weft-test-'));
  const started = Date.now();
  const cps = await Promise.all(
    Array.from({ length: n }, (_, i) => LocalControlPlane.start({ dir: join(root, `cp-${i + 1}`), kwok: true })),
  );
  // Every control plane gets the CRDs, as `weft up` installs them.
  const crdsMod = (await import(new URL('../../dist/src/cluster/crds.js', import.meta.url).href)) as typeof CrdsModule;
  const crds = await crdsMod.readCrds(new URL('../../crds', import.meta.url).pathname);
  await Promise.all(cps.map((c) => crdsMod.applyCrds(c.kubeConfig(), crds)));
  (globalThis as { __weftControlPlanes?: Array<{ stop(): Promise<void> }> }).__weftControlPlanes = cps;
  process.env.WEFT_TEST_CP_DIRS = cps.map((c) => c.dir).join(',');
  process.env.WEFT_TEST_ROOT = root;
  process.stderr.write(`\n[harness] ${n} control plane(s) ready in ${Date.now() - started} ms under ${root}\n`);
}
