import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { FlagError } from '../config/errors.js';
import { PolicyStore } from '../policy/acl/index.js';
import { registerAclGuard } from '../server/acl-guard.js';
import { HeadscaleProvider } from './headscale-provider.js';
import type { MeshProvider } from './provider.js';
import { StubProvider } from './stub-provider.js';

/** Mesh flags of `weft operator` / `weft up`. */
export interface MeshConfig {
  mode: 'none' | 'stub' | 'headscale';
  /** headscale: its config file; stub: an optional YAML device/policy file. */
  configPath?: string;
  /** headscale: the policy file it runs with. */
  policyPath?: string;
  /** The operator's own tailnet device name. */
  self: string;
  /** The API port as the policy names it (default: the HTTP port). */
  port: number;
}

/** The provider for a mesh mode, failing with the missing flag named. */
export async function meshProvider(c: MeshConfig): Promise<MeshProvider | undefined> {
  if (c.mode === 'none') return undefined;
  if (c.mode === 'stub') return c.configPath ? StubProvider.fromFile(c.configPath) : new StubProvider();
  if (!c.configPath) throw new FlagError('--mesh-config', 'is required with --mesh=headscale: the path of headscale\'s config.yaml');
  if (!c.policyPath) throw new FlagError('--mesh-policy', 'is required with --mesh=headscale: the HuJSON policy file headscale runs with');
  return new HeadscaleProvider({ configPath: c.configPath, policyPath: c.policyPath });
}

/**
 * Turns the mesh's policy on in the operator: the ACL policy (reloaded on change; an invalid edit is
 * logged with its line and the last good policy stays) and the guard on control-plane writes. The
 * MeshNode controller maps the provider's devices onto MeshNodes.
 */
export async function enableMesh(
  c: MeshConfig,
  provider: MeshProvider,
  log: Logger,
): Promise<{ guard: (app: FastifyInstance) => void; stop: () => Promise<void>; store: PolicyStore }> {
  const store = new PolicyStore();
  const first = store.update(await provider.policy());
  if (!first.ok) throw new Error(`the mesh ACL policy is invalid: ${first.error.message}`);
  let watch: { close(): void } | undefined;
  if (c.mode === 'headscale' && c.policyPath) {
    watch = store.watchFile(c.policyPath, {
      onChange: () => log.info({ policy: c.policyPath }, 'ACL policy reloaded'),
      onError: (err) => log.error({ policy: c.policyPath, err: err.message }, 'ACL policy rejected; the previous policy stays in force'),
    });
  }
  return {
    store,
    guard: (app) => registerAclGuard(app, { provider, store, self: c.self, port: c.port, log: log.child({ component: 'acl' }) }),
    stop: async () => watch?.close(),
  };
}
