/**
 * bench:agents (r): AgentTasks on the real node, one after another: creation → agent pod Running
 * → the agent's first LLM request at the gateway. The image is cached (imported when the node
 * starts); the driver is weft-agent against the fake LLM, which finishes at once; the repository is
 * a local Gitea one, cloned through the operator's git gateway.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { LocalControlPlane } from '../src/cluster/local.js';
import { applyCrds, readCrds } from '../src/cluster/crds.js';
import { freePort } from '../src/cluster/ports.js';
import { LocalGitea } from '../src/forge/local/gitea.js';
import { NodeAgent } from '../src/nodeagent/agent.js';
import { provisionAgent } from '../src/nodeagent/provision.js';
import { parseOperatorConfig } from '../src/config/operator.js';
import { runOperator, type RunningOperator } from '../src/operator/run.js';
import { AGENTTASKS, NAMESPACES, ORGCLUSTERS, PODS, SECRETS } from '../src/api/resources.js';
import { RestClient } from '../src/runtime/index.js';
import { Informer } from '../src/runtime/informer.js';
import { packageRoot } from '../src/version.js';
import { startFakeLlm, type FakeLlm } from '../test/fakes/llm/index.js';
import { fmt, pct } from './kube.js';
import { join } from 'node:path';

export const NS = 'bench-agents';
export const ORG = 'bench';
const NODE = 'bench-node';

/** The real node, a local Gitea repository, the fake LLM and the operator, ready for AgentTasks in NS. */
export interface RealNodeRig {
  kc: KubeConfig;
  rest: RestClient;
  gitea: LocalGitea;
  llm: FakeLlm;
  repo: string;
  op: RunningOperator;
  stop(): Promise<void>;
}

export async function startRealNodeRig(o: { log: Logger; llmKey: string; repoName: string }): Promise<RealNodeRig> {
  const { log } = o;
  let cp: LocalControlPlane | undefined;
  let gitea: LocalGitea | undefined;
  let llm: FakeLlm | undefined;
  let op: RunningOperator | undefined;
  let agent: NodeAgent | undefined;
  const stop = async () => {
    agent?.stop();
    await op?.stop();
    await Promise.all([gitea?.stop(), llm?.close()]);
    await cp?.stop();
  };
  try {
    cp = await LocalControlPlane.start({ nodes: [{ name: NODE, real: true, images: ['agent'] }] });
    const kc = cp.kubeConfig();
    const rest = new RestClient(kc);
    await applyCrds(kc, await readCrds(join(packageRoot(), 'crds')));
    [gitea, llm] = await Promise.all([LocalGitea.start(), startFakeLlm({ apiKey: o.llmKey, repeat: { text: 'done', toolCalls: [{ name: 'finish', arguments: {} }] } })]);
    const repo = await gitea.createRepo(o.repoName);
    await rest.create(NAMESPACES, { metadata: { name: NS } } as KubernetesObject);
    await rest.create(SECRETS, { metadata: { name: 'forge', namespace: NS }, stringData: { token: gitea.admin.token } } as KubernetesObject);
    await rest.create(SECRETS, { metadata: { name: 'llm', namespace: NS }, stringData: { url: llm.url, apiKey: o.llmKey } } as KubernetesObject);
    await rest.create(SECRETS, { metadata: { name: 'self', namespace: NS }, stringData: { kubeconfig: kc.exportConfig() } } as KubernetesObject);
    const agentKc = new KubeConfig();
    agentKc.loadFromString(await provisionAgent(kc, { name: NODE, org: ORG, tags: [] }));
    agent = new NodeAgent({ name: NODE, kc: agentKc, log, detect: async () => ({ cpu: '4', memory: '8Gi' }), heartbeatIntervalMs: 2000 });
    await agent.start();
    await rest.create(ORGCLUSTERS, { apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata: { name: 'self', namespace: NS }, spec: { org: ORG, provider: 'kubeconfig', kubeconfigSecretRef: { name: 'self' }, hosts: [NODE] } } as KubernetesObject);
    const gw = cp.realCluster!.network.gateway;
    const port = await freePort(gw);
    const cfg = parseOperatorConfig({ kubeconfig: cp.kubeconfigPath, httpAddr: `${gw}:${port}`, namespace: 'weft-system', leaderElect: false, agentGatewayUrl: `http://${gw}:${port}`, logLevel: 'warn' }, {});
    op = await runOperator(cfg, log);
    return { kc, rest, gitea, llm, repo, op, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function benchRealNode(o: { tasks: number }): Promise<void> {
  console.log(`(r) ${o.tasks} AgentTasks on the real node, one after another (weft-agent driver, fake LLM, local Gitea):`);
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
  const key = `sk-bench-${randomBytes(8).toString('hex')}`;
  let rig: RealNodeRig | undefined;
  let pods: Informer<V1Pod & KubernetesObject> | undefined;
  try {
    rig = await startRealNodeRig({ log, llmKey: key, repoName: 'bench' });
    const { kc, rest, gitea, llm, repo } = rig;
    // When each task's pod was first seen Running (a watch), and its first LLM request (model = task name).
    const running = new Map<string, number>();
    pods = new Informer<V1Pod & KubernetesObject>(kc, PODS, { namespace: NS });
    pods.on((_e, p) => {
      const task = p.metadata?.labels?.['weft.dev/agenttask'];
      if (task && p.status?.phase === 'Running' && !running.has(task)) running.set(task, performance.now());
    });
    await pods.start();
    const toRunning: number[] = [];
    const toLlm: number[] = [];
    for (let i = 0; i < o.tasks; i++) {
      const name = `t-${i}`;
      const seen = llm.requests.length;
      const t0 = performance.now();
      await rest.create(AGENTTASKS, {
        apiVersion: 'weft.dev/v1alpha1',
        kind: 'AgentTask',
        metadata: { name, namespace: NS },
        spec: { org: ORG, repo: { url: `${gitea.url}/${repo}.git`, credentialsSecretRef: { name: 'forge' } }, source: { inline: { title: name } }, agent: { driver: 'weft-agent', model: name, endpointSecretRef: { name: 'llm' } }, retryPolicy: { maxAttempts: 1 }, resources: { cpu: '100m', memory: '256Mi' } },
      } as KubernetesObject);
      const deadline = t0 + 120_000;
      let first: number | undefined;
      while (first === undefined) {
        if (performance.now() > deadline) throw new Error(`task ${name}: no LLM request after 120 s (pod Running: ${running.has(name)})`);
        if (llm.requests.slice(seen).some((r) => (r.body as { model?: string } | undefined)?.model === name)) first = performance.now();
        else await new Promise((r) => setTimeout(r, 10));
      }
      toLlm.push(first - t0);
      toRunning.push((running.get(name) ?? first) - t0);
    }
    console.log(`    created → pod Running:          p50 ${fmt(pct(toRunning, 50) / 1000)} s, p99 ${fmt(pct(toRunning, 99) / 1000)} s`);
    console.log(`    created → first LLM request:    p50 ${fmt(pct(toLlm, 50) / 1000)} s, p99 ${fmt(pct(toLlm, 99) / 1000)} s   [goal < 3 s p50; ${pct(toLlm, 50) < 3000 ? 'met' : 'not met'}] (includes the clone through the git gateway)`);
  } finally {
    await pods?.stop();
    await rig?.stop();
  }
}
