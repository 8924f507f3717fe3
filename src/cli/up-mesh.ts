import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { provisionAgent } from '../nodeagent/provision.js';
import { issueCertificate } from '../cluster/pki.js';
import { LocalMesh } from '../mesh/local.js';
import { DEFAULT_STUB } from '../mesh/stub-provider.js';
import { ensureOperatorCA } from '../pki/ca-store.js';

/** The demo tailnet `weft up --mesh=headscale` starts: an operator, two workers, alice's laptop. */
export const DEMO_POLICY = `{
  // Demo policy of \`weft up --mesh=headscale\`: the operator may do everything; alice (group:ops)
  // may reach the workloads but not write to the operator's API.
  "groups": { "group:ops": ["alice@"] },
  "tagOwners": { "tag:operator": ["group:ops"], "tag:workload": ["tag:operator"] },
  "acls": [
    { "action": "accept", "src": ["tag:operator"], "dst": ["*:*"] },
    { "action": "accept", "src": ["group:ops"], "dst": ["tag:workload:*"] },
  ],
}
`;

export const DEMO_DEVICES = [
  { name: 'weft-operator', tags: ['tag:operator'] },
  { name: 'worker-1', tags: ['tag:workload'] },
  { name: 'worker-2', tags: ['tag:workload'] },
  { name: 'laptop', user: 'alice' },
];

export interface DemoMesh {
  mesh?: LocalMesh;
  /** Client certificates (from the operator CA) for demo callers, by device name. */
  certs: Record<string, { cert: string; key: string }>;
  caPath: string;
  stop(): Promise<void>;
}

/** What `weft up` asks of the demo mesh. */
export interface DemoMeshOptions {
  /** `headscale`: a real Headscale with four tailscaled devices; `stub`: the stub provider's devices. */
  mode: 'stub' | 'headscale';
  /** Emptied first; holds Headscale's state, the CA and the demo client certificates. */
  dir: string;
  /** The operator's namespace (where its CA lives). */
  namespace: string;
  progress: (s: string) => void;
}

/**
 * Starts the mesh for `weft up`: a real Headscale with four tailscaled devices (headscale mode) or
 * nothing (stub mode), provisions a MeshNode per device, and writes client certificates for the
 * `weft-operator` and `laptop` devices so a user can try an allowed and a denied write.
 */
export async function startDemoMesh(kc: KubeConfig, o: DemoMeshOptions): Promise<DemoMesh> {
  const { mode, dir } = o;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const names: string[] = mode === 'stub' ? DEFAULT_STUB.devices.map((d) => d.name) : DEMO_DEVICES.map((d) => d.name);
  const mesh = mode === 'headscale' ? await startDemoTailnet(join(dir, 'headscale'), o.progress) : undefined;
  for (const name of names) await provisionAgent(kc, { name, org: 'demo', tags: [] });
  const ca = await ensureOperatorCA(kc, o.namespace);
  const caPath = join(dir, 'ca.crt');
  await writeFile(caPath, ca.certPem);
  const certs: DemoMesh['certs'] = {};
  for (const name of ['weft-operator', 'laptop']) {
    const pair = await issueCertificate(ca, { commonName: name, usage: 'client' });
    const cert = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    await writeFile(cert, pair.certPem);
    await writeFile(key, pair.keyPem, { mode: 0o600 });
    certs[name] = { cert, key };
  }
  return { mesh, certs, caPath, stop: async () => mesh?.stop() };
}

/** Headscale with the demo policy, and the demo devices joined (the operator's first, so it gets 100.64.0.1). */
async function startDemoTailnet(dir: string, progress: (s: string) => void): Promise<LocalMesh> {
  const mesh = await LocalMesh.start({ dir, policy: DEMO_POLICY, onProgress: progress });
  await mesh.join(DEMO_DEVICES[0]!); // first device gets 100.64.0.1
  progress('joining worker-1, worker-2 and laptop (tailscaled, userspace networking)');
  await Promise.all(DEMO_DEVICES.slice(1).map((d) => mesh.join(d)));
  return mesh;
}
