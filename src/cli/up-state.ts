/**
 * What a running `weft up` tells `weft demo` (and scripts): `<home>/up.json`, mode 0600 (it names the
 * token files and holds the demo artifact store's keys), written once everything is up and removed
 * when `weft up` stops.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from '../cluster/process.js';

export interface UpState {
  /** The `weft up` process. */
  pid: number;
  kubeconfig: string;
  operatorUrl: string;
  /** The demo namespace with the real node's OrgCluster, or absent without a real node. */
  demo?: {
    namespace: string;
    node: string;
    /** The artifact store (versitygw) the operator uploads to, and its keys. */
    s3: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  };
  forge?: {
    url: string;
    /** `owner/name` of the demo repository. */
    repo: string;
    /** The Spec-Kit feature directory in it. */
    feature: string;
    adminTokenFile: string;
    /** Gitea as pods reach it (the bridge forwarder), when there is a real node. */
    podUrl?: string;
  };
}

export const upStatePath = (home: string) => join(home, 'up.json');

export async function writeUpState(home: string, s: UpState): Promise<void> {
  const path = upStatePath(home);
  await writeFile(`${path}.tmp`, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

export const removeUpState = (home: string) => rm(upStatePath(home), { force: true });

/** The state of the `weft up` running with this home, or undefined (none, or its process is gone). */
export async function readUpState(home: string): Promise<UpState | undefined> {
  const text = await readFile(upStatePath(home), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  let s: UpState;
  try {
    s = JSON.parse(text) as UpState;
  } catch (err) {
    throw new Error(`${upStatePath(home)} is not JSON (${(err as Error).message}); delete it and restart weft up`);
  }
  return isAlive(s.pid) ? s : undefined;
}
