/**
 * `weft up`'s real node, ready for agents and Jobs: the node's MeshNode (an in-process `weft agent`),
 * the namespace `demo` (Pod Security `restricted`) with its OrgCluster on this control plane, the
 * forge token and artifact store Secrets the operator alone reads, versitygw, and the forwarders that
 * let pods reach the operator and Gitea on the node's bridge gateway.
 */
import { join } from 'node:path';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { NAMESPACES, ORGCLUSTERS, SECRETS } from '../api/resources.js';
import { LocalS3 } from '../artifacts/local-s3.js';
import type { LocalControlPlane } from '../cluster/local.js';
import { forwardTcp, type TcpForward } from '../cluster/realnode/forward.js';
import { detectHostCapacity } from '../capacity/index.js';
import { toHostResources } from '../nodeagent/capacity-report.js';
import type { Logger } from 'pino';
import { NodeAgent } from '../nodeagent/agent.js';
import { createIfMissing, provisionAgent } from '../nodeagent/provision.js';
import { RestClient } from '../runtime/rest.js';
import type { DemoForge } from './up-forge.js';

/** The namespace (and org) of `weft up`'s demo: agents, Jobs and their Secrets. */
export const DEMO_NAMESPACE = 'demo';

export interface DemoNode {
  node: string;
  namespace: string;
  /** The URL agent and Job pods reach the operator at (a forwarder on the bridge gateway). */
  gatewayUrl: string;
  /** The artifact store Secret the operator is given (`--artifact-store`). */
  artifactStore: { namespace: string; name: string };
  s3: LocalS3;
  /** Gitea's address as pods reach it (Job clones), when the forge runs. */
  podForgeUrl?: string;
  /** Points the operator forwarder at the operator's port, once it listens. */
  setOperatorPort(port: number): void;
  stop(): Promise<void>;
}

/** Sets up the demo namespace on the control plane's real node; `progress` narrates. */
export async function startDemoNode(cp: LocalControlPlane, o: { home: string; node: string; forge?: DemoForge; log: Logger; progress: (s: string) => void }): Promise<DemoNode> {
  const real = cp.realCluster;
  if (!real) throw new Error('the control plane has no real node');
  const kc = cp.kubeConfig();
  const rest = new RestClient(kc);
  const ns = DEMO_NAMESPACE;
  const gw = real.network.gateway;
  const started: Array<{ stop?: () => unknown; close?: () => unknown }> = [];
  try {
    o.progress(`namespace ${ns} (Pod Security restricted), MeshNode ${o.node}, OrgCluster ${ns}/self`);
    await createIfMissing(rest, NAMESPACES, { metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } } as KubernetesObject);
    const agentKc = new KubeConfig();
    agentKc.loadFromString(await provisionAgent(kc, { name: o.node, org: ns, tags: ['real'] }));
    const agent = new NodeAgent({ name: o.node, kc: agentKc, log: o.log.child({ component: 'node-agent' }), detect: async () => toHostResources(await detectHostCapacity({})), heartbeatIntervalMs: 5000 });
    await agent.start();
    started.push({ stop: () => agent.stop() });
    await createIfMissing(rest, SECRETS, { metadata: { name: 'self', namespace: ns }, stringData: { kubeconfig: kc.exportConfig() } } as KubernetesObject);
    await createIfMissing(rest, ORGCLUSTERS, { apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata: { name: 'self', namespace: ns }, spec: { org: ns, provider: 'kubeconfig', kubeconfigSecretRef: { name: 'self' }, hosts: [o.node] } } as KubernetesObject);
    if (o.forge) await createIfMissing(rest, SECRETS, { metadata: { name: 'forge', namespace: ns }, stringData: { token: o.forge.gitea.admin.token } } as KubernetesObject);

    o.progress('starting the artifact store (versitygw on loopback)');
    const s3 = await LocalS3.start({ dir: join(o.home, 's3') });
    started.push(s3);
    await createIfMissing(rest, SECRETS, { metadata: { name: 'artifacts', namespace: ns }, stringData: { endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } as KubernetesObject);

    // Pods reach the host only on the bridge gateway: relay the operator (agent gateway, uploads) and Gitea (Job clones).
    let operatorPort = 0;
    const toOperator = await forwardTcp(gw, () => operatorPort);
    started.push(toOperator);
    let toForge: TcpForward | undefined;
    if (o.forge) {
      toForge = await forwardTcp(gw, () => o.forge!.gitea.port);
      started.push(toForge);
    }
    return {
      node: o.node,
      namespace: ns,
      gatewayUrl: `http://${gw}:${toOperator.port}`,
      artifactStore: { namespace: ns, name: 'artifacts' },
      s3,
      ...(toForge ? { podForgeUrl: `http://${gw}:${toForge.port}` } : {}),
      setOperatorPort: (p) => void (operatorPort = p),
      stop: () => stopAll(started),
    };
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

async function stopAll(started: ReadonlyArray<{ stop?: () => unknown; close?: () => unknown }>): Promise<void> {
  for (const s of [...started].reverse()) await Promise.resolve((s.stop ?? s.close)?.call(s)).catch(() => undefined);
}

