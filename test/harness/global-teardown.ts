import { rm } from 'node:fs/promises';

/** Stops the control planes started by global-setup.ts and removes their directories. */
export default async function globalTeardown(): Promise<void> {
  const cps = (globalThis as { __weftControlPlanes?: Array<{ stop(): Promise<void> }> }).__weftControlPlanes ?? [];
  await Promise.all(cps.map((c) => c.stop()));
  if (process.env.WEFT_TEST_ROOT) await rm(process.env.WEFT_TEST_ROOT, { recursive: true, force: true });
}
