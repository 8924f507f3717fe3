import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Secret } from '@kubernetes/client-node';
import { isNotFound } from '../../runtime/errors.js';
import { SECRETS } from '../../api/resources.js';
import { Talosctl, TalosctlError } from '../talos/index.js';
import { ProvisionError, type ClusterProvider, type OrgClusterLike, type ProviderContext } from './types.js';

const clusterName = (oc: OrgClusterLike) => `${oc.metadata?.namespace}-${oc.metadata?.name}`;
const dirOf = (oc: OrgClusterLike, ctx: ProviderContext) => join(ctx.stateDir, 'talos', clusterName(oc));

/**
 * Talos clusters through talosctl. With `spec.talos.configSecretRef` the cluster exists and the
 * operator only fetches its kubeconfig and checks health; without it the operator creates one with
 * `talosctl cluster create --provisioner qemu` on this host and destroys it on deletion.
 */
export function talosProvider(talosctl = new Talosctl()): ClusterProvider {
  return {
    async provision(oc, ctx) {
      const dir = dirOf(oc, ctx);
      await mkdir(dir, { recursive: true });
      const talosconfig = join(dir, 'talosconfig');
      try {
        const node = await controlPlaneNode(talosctl, oc, ctx, dir);
        const kubeconfigPath = join(dir, 'kubeconfig');
        await talosctl.kubeconfig({ talosconfig, dest: kubeconfigPath, node });
        const health = await talosctl.health({ talosconfig, node });
        const failing = health.checks.filter((c) => c.state !== 'ok' && c.state !== 'skipped').map((c) => `${c.name}: ${c.message}`);
        return {
          kubeconfig: await readFile(kubeconfigPath, 'utf8'),
          message: health.ok ? `Talos cluster ${clusterName(oc)} healthy (${health.checks.length} checks)` : `Talos health: ${health.error ?? failing.join('; ')}`,
        };
      } catch (err) {
        if (err instanceof TalosctlError) throw new ProvisionError('TalosctlFailed', err.message);
        throw err;
      }
    },
    async deprovision(oc, ctx) {
      const dir = dirOf(oc, ctx);
      if (!oc.spec?.talos?.configSecretRef?.name && (await exists(join(dir, 'created.json')))) {
        await talosctl.clusterDestroy({ name: clusterName(oc), stateDir: join(dir, 'state') }).catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'talosctl cluster destroy failed'));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes `<dir>/talosconfig` (from the Secret of spec.talos.configSecretRef, or by creating the
 * cluster on first use) and returns the node to ask: the created cluster's control plane, else
 * the first of spec.talos.endpoints.
 */
async function controlPlaneNode(talosctl: Talosctl, oc: OrgClusterLike, ctx: ProviderContext, dir: string): Promise<string> {
  const talosconfig = join(dir, 'talosconfig');
  const ref = oc.spec?.talos?.configSecretRef;
  const endpoint = oc.spec?.talos?.endpoints?.[0] ?? '';
  if (ref?.name) {
    await writeFile(talosconfig, await readTalosconfigSecret(ctx, oc, ref), { mode: 0o600 });
    return endpoint;
  }
  if (!(await exists(join(dir, 'created.json')))) {
    const created = await talosctl.clusterCreate({ name: clusterName(oc), stateDir: join(dir, 'state'), talosconfig });
    await writeFile(join(dir, 'created.json'), JSON.stringify(created));
  }
  const created = JSON.parse(await readFile(join(dir, 'created.json'), 'utf8')) as { nodes: Array<{ ip?: string; type?: string }> };
  return created.nodes.find((n) => n.type === 'controlplane')?.ip ?? endpoint;
}

async function readTalosconfigSecret(ctx: ProviderContext, oc: OrgClusterLike, ref: { name: string; key?: string }): Promise<string> {
  const ns = oc.metadata?.namespace ?? 'default';
  try {
    const s = await ctx.rest.get<V1Secret>(SECRETS, ref.name, ns);
    const data = s.data?.[ref.key ?? 'talosconfig'];
    if (!data) throw new ProvisionError('SecretKeyMissing', `Secret ${ns}/${ref.name} has no key "${ref.key ?? 'talosconfig'}"`);
    return Buffer.from(data, 'base64').toString('utf8');
  } catch (err) {
    if (isNotFound(err)) throw new ProvisionError('SecretNotFound', `Secret ${ns}/${ref.name} not found: create it with \`kubectl -n ${ns} create secret generic ${ref.name} --from-file=talosconfig=PATH\``);
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
