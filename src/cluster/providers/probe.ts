import type { V1Node } from '@kubernetes/client-node';
import { closeConnections } from '../../runtime/credentials.js';
import { errorMessage } from '../../runtime/errors.js';
import { LightKubeConfig, type KubeAccess } from '../../runtime/kubeconfig.js';
import { RestClient } from '../../runtime/rest.js';
import { NODES } from '../../api/resources.js';
import { formatBytes, formatCpu, parseQuantityNumber } from '../../api/common/quantity.js';

/** What probing a cluster found. */
export interface ClusterProbe {
  reachable: boolean;
  /** Why not reachable, naming the cause (TLS, DNS, refused, 401/403…). */
  message: string;
  apiServerURL?: string;
  kubernetesVersion?: string;
  nodes?: number;
  readyNodes?: number;
  capacity?: ClusterResources;
  allocatable?: ClusterResources;
}

export interface ClusterResources {
  cpu: string;
  memory: string;
  gpus: number;
  pods: number;
}

/** Sums node capacity or allocatable (pure). */
export function sumNodes(nodes: V1Node[], field: 'capacity' | 'allocatable'): ClusterResources {
  let cpu = 0;
  let memory = 0;
  let gpus = 0;
  let pods = 0;
  for (const n of nodes) {
    const r = n.status?.[field] ?? {};
    cpu += r.cpu ? parseQuantityNumber(r.cpu) : 0;
    memory += r.memory ? parseQuantityNumber(r.memory) : 0;
    gpus += r['nvidia.com/gpu'] ? parseQuantityNumber(r['nvidia.com/gpu']) : 0;
    pods += r.pods ? parseQuantityNumber(r.pods) : 0;
  }
  return { cpu: formatCpu(cpu), memory: formatBytes(memory), gpus, pods };
}

/** Loads a kubeconfig given as YAML text, failing with a readable message on malformed input. */
export function kubeConfigFromString(yaml: string): LightKubeConfig {
  const kc = new LightKubeConfig();
  try {
    kc.loadFromString(yaml);
  } catch (err) {
    throw new Error(`malformed kubeconfig: ${errorMessage(err)}`);
  }
  if (!kc.getCurrentCluster()) throw new Error('kubeconfig has no current cluster (set current-context)');
  return kc;
}

/**
 * Probes a cluster through its kubeconfig: `/readyz`, `/version`, and its nodes for capacity. Never
 * throws: an unreachable cluster is a result with the cause in `message`. Closes the connections it
 * opened: a probe is one-off, and each kubeconfig gets its own pool.
 */
export async function probeCluster(kc: KubeAccess, timeoutMs = 5000): Promise<ClusterProbe> {
  const server = kc.getCurrentCluster()?.server;
  const rest = new RestClient(kc);
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    await rest.request('GET', '/readyz', { signal }).catch(async (err: unknown) => {
      // /readyz answers text, not JSON; a 200 with a non-JSON body is fine.
      if ((err as { code?: number }).code !== undefined) throw err;
    });
    const version = await rest.request<{ gitVersion?: string }>('GET', '/version', { signal: AbortSignal.timeout(timeoutMs) });
    const { items } = await rest.list<V1Node>(NODES);
    const readyNodes = items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    return {
      reachable: true,
      message: `reachable: Kubernetes ${version.gitVersion}, ${readyNodes}/${items.length} nodes Ready`,
      apiServerURL: server,
      kubernetesVersion: version.gitVersion,
      nodes: items.length,
      readyNodes,
      capacity: sumNodes(items, 'capacity'),
      allocatable: sumNodes(items, 'allocatable'),
    };
  } catch (err) {
    return { reachable: false, apiServerURL: server, message: `${server} unreachable: ${describeError(err)}` };
  } finally {
    await closeConnections(kc).catch(() => undefined);
  }
}

const tlsFailed = (code: string): string => `TLS verification failed (${code}): check certificate-authority-data in the kubeconfig`;

/** What a network or TLS error code means to a user, by code. */
const NETWORK_CAUSES = new Map<string, (code: string) => string>([
  ['ECONNREFUSED', () => 'connection refused (is the apiserver running and the port right?)'],
  ['ENOTFOUND', () => 'host not found (check the server address in the kubeconfig)'],
  ['ETIMEDOUT', () => 'connection timed out'],
  ['UND_ERR_CONNECT_TIMEOUT', () => 'connection timed out'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', tlsFailed],
  ['SELF_SIGNED_CERT_IN_CHAIN', tlsFailed],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', tlsFailed],
  ['ERR_TLS_CERT_ALTNAME_INVALID', tlsFailed],
  ['CERT_HAS_EXPIRED', tlsFailed],
]);

/** Turns network and API errors into a cause a user can act on. */
export function describeError(err: unknown): string {
  const e = err as { code?: number | string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined);
  const known = cause === undefined ? undefined : NETWORK_CAUSES.get(cause);
  if (known) return known(cause!);
  if (e.code === 401) return 'unauthorized (401): the kubeconfig credentials were rejected';
  if (e.code === 403) return 'forbidden (403): the credentials may not list nodes; grant get/list on nodes';
  if ((err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError') return 'timed out';
  return errorMessage(err) + (e.cause?.message ? ` (${e.cause.message})` : '');
}
