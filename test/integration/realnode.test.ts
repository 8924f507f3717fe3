// A real node (kubelet + containerd + runc) in the local cluster, with images built by hack/images.
// One cluster for the whole file (started in beforeAll); the last test stops it and checks that
// nothing of the node is left: no containerd, shim or kubelet process, no mount, no bridge, no cgroup.
import { readFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { toolPath } from '../../src/cluster/tools.js';
import { CoreV1Api, KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { NodeAgent } from '../../src/nodeagent/agent.js';
import { provisionAgent } from '../../src/nodeagent/provision.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { MESHNODES, ORGCLUSTERS, SECRETS, WORKLOADS } from '../../src/api/resources.js';
import { RestClient } from '../../src/runtime/index.js';
import { LocalControlPlane } from '../../src/cluster/local.js';
import { IMAGE_REFS } from '../../src/cluster/realnode/index.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, kubectl, processesMentioning, testLogger } from '../harness/index.js';

const log = testLogger();

const NODE = 'node-1';
const NS = 'default';
const RUNNER = IMAGE_REFS.runner;
// Pods start in about a second, but this machine's 2 cores are shared: leave room.
const POD_TEST_MS = 180_000;

let cp: LocalControlPlane | undefined;
let stopped = false;
let core: CoreV1Api;
let readyMs = 0;

function pod(name: string, command: string[], extra: Partial<NonNullable<V1Pod['spec']>['containers'][number]> = {}): V1Pod {
  return {
    metadata: { name, namespace: NS },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: RUNNER, imagePullPolicy: 'Never', command, ...extra }],
    },
  };
}

const suffix = () => randomBytes(3).toString('hex');
const readPod = (name: string) => core.readNamespacedPod({ name, namespace: NS });

async function finished(name: string, timeoutMs = 120_000): Promise<V1Pod> {
  return eventually(async () => {
    const p = await readPod(name);
    expect(['Succeeded', 'Failed']).toContain(p.status?.phase);
    return p;
  }, { timeoutMs, description: `pod ${name} to finish` });
}

beforeAll(async () => {
  const started = Date.now();
  cp = await LocalControlPlane.start({ nodes: [{ name: NODE, real: true, images: ['operator'] }] });
  readyMs = Date.now() - started;
  process.stderr.write(`[realnode] control plane + node ${NODE} Ready in ${readyMs} ms\n`);
  core = cp.kubeConfig().makeApiClient(CoreV1Api);
  // kube-controller-manager creates the default ServiceAccount that admission requires of pods.
  await eventually(() => core.readNamespacedServiceAccount({ name: 'default', namespace: NS }), { timeoutMs: 120_000 });
}, 30 * 60_000);

afterAll(async () => {
  if (cp && !stopped) await cp.stop();
}, 120_000);

describe('a real node', () => {
  it('is Ready, runs kubelet v1.36 on containerd, and has the node IP on its bridge', async () => {
    const node = await core.readNode({ name: NODE });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.status?.nodeInfo?.kubeletVersion).toMatch(/^v1\.36\./);
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    expect(ip).toBe(cp!.realCluster!.network.gateway);
  }, POD_TEST_MS);

  it('runs a command: its stdout is in `kubectl logs`, and exit code 3 makes the pod Failed', async () => {
    const name = `hello-${suffix()}`;
    await core.createNamespacedPod({ namespace: NS, body: pod(name, ['sh', '-c', 'echo hello; exit 3']) });
    const done = await finished(name);
    expect(done.status?.phase).toBe('Failed');
    expect(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    const logs = await kubectl(cp!.kubeconfigPath, ['logs', '-n', NS, name]);
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout).toBe('hello');
  }, POD_TEST_MS);

  it.each([
    [0, 'Succeeded'],
    [1, 'Failed'],
    [42, 'Failed'],
  ])('exit code %i → phase %s', async (code, phase) => {
    const name = `exit-${code}-${suffix()}`;
    await core.createNamespacedPod({ namespace: NS, body: pod(name, ['sh', '-c', `exit ${code}`]) });
    const done = await finished(name);
    expect(done.status?.phase).toBe(phase);
    expect(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(code);
  }, POD_TEST_MS);

  it('ships Node 24, git, bash and python3 in the runner image', async () => {
    const name = `tools-${suffix()}`;
    const script = 'node --version; git --version; bash --version | head -1; python3 --version; id -u';
    await core.createNamespacedPod({ namespace: NS, body: pod(name, ['bash', '-c', script]) });
    expect((await finished(name)).status?.phase).toBe('Succeeded');
    const out = (await kubectl(cp!.kubeconfigPath, ['logs', '-n', NS, name])).stdout.split('\n');
    expect(out[0]).toMatch(/^v24\./);
    expect(out[1]).toMatch(/^git version 2\./);
    expect(out[2]).toMatch(/GNU bash/);
    expect(out[3]).toMatch(/^Python 3\./);
    expect(out[4]).toBe('1000');
  }, POD_TEST_MS);

  it('OOM-kills a container that exceeds its memory limit', async () => {
    const name = `oom-${suffix()}`;
    await core.createNamespacedPod({
      namespace: NS,
      body: pod(name, ['python3', '-c', 'b = bytearray(256 * 1024 * 1024); print("survived")'], {
        resources: { limits: { memory: '48Mi' } },
      }),
    });
    const done = await finished(name);
    expect(done.status?.phase).toBe('Failed');
    expect(done.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  }, POD_TEST_MS);

  it('stops the process when its pod is deleted', async () => {
    const name = `sleeper-${suffix()}`;
    // A unique duration marks this container's process among the host's processes.
    const marker = `7${Math.floor(Math.random() * 1e6)}`;
    await core.createNamespacedPod({ namespace: NS, body: pod(name, ['sleep', marker]) });
    await eventually(async () => expect((await readPod(name)).status?.phase).toBe('Running'), { timeoutMs: 120_000 });
    expect(processesMentioning(`sleep ${marker}`)).toHaveLength(1);
    await core.deleteNamespacedPod({ name, namespace: NS, gracePeriodSeconds: 1 });
    await eventually(() => expect(processesMentioning(`sleep ${marker}`)).toEqual([]), { timeoutMs: 120_000, description: 'the container process to exit' });
  }, POD_TEST_MS);

  it('serves `kubectl exec`', async () => {
    const name = `exec-${suffix()}`;
    await core.createNamespacedPod({ namespace: NS, body: pod(name, ['sleep', '600']) });
    await eventually(async () => expect((await readPod(name)).status?.phase).toBe('Running'), { timeoutMs: 120_000 });
    const r = await kubectl(cp!.kubeconfigPath, ['exec', '-n', NS, name, '--', 'sh', '-c', 'echo $((6 * 7)) from $(hostname)']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`42 from ${name}`);
    await core.deleteNamespacedPod({ name, namespace: NS, gracePeriodSeconds: 0 });
  }, POD_TEST_MS);

  it('reaches the apiserver from a pod through the ClusterIP on the bridge, and has no route off the machine', async () => {
    const name = `incluster-${suffix()}`;
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
    const curl = `curl -sS --cacert ${sa}/ca.crt -H "Authorization: Bearer $(cat ${sa}/token)" https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/version`;
    const script = `v=$(${curl}); echo "$v" | tr -d '\\n'; echo; cat /proc/net/route`;
    await core.createNamespacedPod({ namespace: NS, body: pod(name, ['sh', '-c', script]) });
    expect((await finished(name)).status?.phase).toBe('Succeeded');
    const [version, , ...routes] = (await kubectl(cp!.kubeconfigPath, ['logs', '-n', NS, name])).stdout.split('\n');
    expect(JSON.parse(version!)).toMatchObject({ gitVersion: expect.stringMatching(/^v1\.36\./) });
    // /proc/net/route: Iface Destination Gateway ...; a default route has destination 00000000.
    const destinations = routes.filter(Boolean).map((l) => l.split(/\s+/)[1]);
    expect(destinations.length).toBeGreaterThan(0);
    expect(destinations).not.toContain('00000000');
  }, POD_TEST_MS);

  it('reports ErrImageNeverPull, with the image name, for an image that is not on the node', async () => {
    const name = `noimage-${suffix()}`;
    const image = 'localhost/not-built-here:v1';
    await core.createNamespacedPod({ namespace: NS, body: pod(name, ['true'], { image }) });
    const status = await eventually(async () => {
      const s = (await readPod(name)).status?.containerStatuses?.[0];
      expect(s?.state?.waiting?.reason).toBe('ErrImageNeverPull');
      return s!;
    }, { timeoutMs: 120_000 });
    expect(status.image).toBe(image);
    expect(status.state?.waiting?.message).toContain(image);
    await core.deleteNamespacedPod({ name, namespace: NS, gracePeriodSeconds: 0 });
  }, POD_TEST_MS);

  it('starts 20 pods one after the other; reports create → Running latency', async () => {
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `seq-${i}-${suffix()}`;
      const t0 = Date.now();
      await core.createNamespacedPod({ namespace: NS, body: pod(name, ['sleep', '600']) });
      await eventually(async () => expect((await readPod(name)).status?.phase).toBe('Running'), { timeoutMs: 120_000, intervalMs: 25 });
      ms.push(Date.now() - t0);
      await core.deleteNamespacedPod({ name, namespace: NS, gracePeriodSeconds: 0 });
    }
    ms.sort((a, b) => a - b);
    process.stderr.write(`[realnode] pod create→Running, 20 pods one at a time: p50 ${ms[9]} ms, p90 ${ms[17]} ms, max ${ms[19]} ms\n`);
    expect(ms[9]).toBeLessThan(30_000);
  }, 240_000);

  it('starts 20 pods at once; reports create → Running latency', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `lat-${i}-${suffix()}`);
    const created = new Map<string, number>();
    const running = new Map<string, number>();
    for (const name of names) {
      await core.createNamespacedPod({ namespace: NS, body: pod(name, ['sleep', '600']) });
      created.set(name, Date.now());
    }
    await eventually(async () => {
      for (const name of names.filter((n) => !running.has(n))) {
        if ((await readPod(name)).status?.phase === 'Running') running.set(name, Date.now());
      }
      expect(running.size).toBe(names.length);
    }, { timeoutMs: 180_000, intervalMs: 50, description: '20 pods Running' });
    const ms = names.map((n) => running.get(n)! - created.get(n)!).sort((a, b) => a - b);
    process.stderr.write(`[realnode] pod create→Running 20 pods at once: p50 ${ms[9]} ms, p90 ${ms[17]} ms, max ${ms[19]} ms\n`);
    expect(ms[9]).toBeLessThan(60_000);
    await Promise.all(names.map((name) => core.deleteNamespacedPod({ name, namespace: NS, gracePeriodSeconds: 0 })));
  }, 240_000);
});

describe('the operator image on the real node', () => {
  it('boots from config/realnode with in-cluster configuration and answers /health through the service proxy', async () => {
    const applied = await kubectl(cp!.kubeconfigPath, ['apply', '--server-side', '-k', 'config/realnode']);
    expect(applied.exitCode).toBe(0);
    const health = await eventually(async () => {
      const r = await kubectl(cp!.kubeconfigPath, ['get', '--raw', '/api/v1/namespaces/weft-system/services/http:weft-operator:http/proxy/health']);
      expect(r.exitCode).toBe(0);
      return JSON.parse(r.stdout) as { status: string; version?: string };
    }, { timeoutMs: 180_000, intervalMs: 1000, description: 'the operator to answer /health' });
    expect(health.status).toBe('ok');
    const pods = await core.listNamespacedPod({ namespace: 'weft-system', labelSelector: 'app.kubernetes.io/name=weft' });
    expect(pods.items[0]?.spec?.containers[0]?.image).toBe(IMAGE_REFS.operator);
    expect(pods.items[0]?.spec?.nodeName).toBe(NODE);
    // config/default (issue 21): both replicas Ready (/readyz: apiserver, caches, leader), the PDB,
    // and the webhook configurations carrying the CA the operator injected.
    await eventually(async () => {
      const r = await kubectl(cp!.kubeconfigPath, ['-n', 'weft-system', 'get', 'deployment/weft-operator', '-o', 'jsonpath={.status.readyReplicas}']);
      expect(r.stdout).toBe('2');
    }, { timeoutMs: 180_000, intervalMs: 1000, description: 'both operator replicas to be Ready' });
    expect((await kubectl(cp!.kubeconfigPath, ['-n', 'weft-system', 'get', 'pdb/weft-operator', '-o', 'jsonpath={.spec.minAvailable}'])).stdout).toBe('1');
    await eventually(async () => {
      const r = await kubectl(cp!.kubeconfigPath, ['get', 'validatingwebhookconfiguration/weft', '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}']);
      expect(Buffer.from(r.stdout, 'base64').toString()).toContain('BEGIN CERTIFICATE');
    }, { timeoutMs: 60_000, intervalMs: 1000, description: 'the operator to inject its CA into the webhook configuration' });
  }, 420_000);

  it('docs/rollback/operator-rollback.sh: an upgrade is rolled back to the previous revision, Ready, CRD storage versions unchanged', async () => {
    const k = (args: string[]) => kubectl(cp!.kubeconfigPath, ['-n', 'weft-system', ...args]);
    const revision = async () => (await k(['get', 'deployment/weft-operator', '-o', "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}"])).stdout;
    const before = Number(await revision());
    // "Upgrade": a new revision of the pod template (same image here; any change is a rollout).
    expect((await k(['set', 'env', 'deployment/weft-operator', 'WEFT_UPGRADE_MARK=2'])).exitCode).toBe(0);
    expect((await k(['rollout', 'status', 'deployment/weft-operator', '--timeout=180s'])).exitCode).toBe(0);
    expect(Number(await revision())).toBe(before + 1);
    const r = await execa('bash', ['docs/rollback/operator-rollback.sh', '--kubeconfig', cp!.kubeconfigPath, '--timeout', '180s'], { reject: false, env: { PATH: `${dirname(toolPath('kubectl'))}:${process.env.PATH}` } });
    expect(r.stderr).not.toContain('operator-rollback:');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/CRD storage versions unchanged:\n {2}agenttasks\.weft\.dev=\["v1alpha1"\]/);
    const env = (await k(['get', 'deployment/weft-operator', '-o', 'jsonpath={.spec.template.spec.containers[0].env[*].name}'])).stdout;
    expect(env).not.toContain('WEFT_UPGRADE_MARK');
    expect((await k(['get', 'deployment/weft-operator', '-o', 'jsonpath={.status.readyReplicas}'])).stdout).toBe('2');
  }, 420_000);
});

describe('Workloads on the real node (the Workload path end to end)', () => {
  // The operator runs against this file's shared hub (the harness control plane, with Weft's CRDs);
  // the real-node cluster is an OrgCluster of provider kubeconfig whose one host is NODE.
  let hub: KubeConfig;
  let hubRest: RestClient;
  let ns: string;
  let op: RunningOperator | undefined;
  let agent: NodeAgent | undefined;
  type Wl = KubernetesObject & { status?: { phase?: string; podRef?: { name?: string; namespace?: string }; conditions?: Array<{ type: string; status: string; reason: string; message: string }> } };
  const get = (name: string) => hubRest.get<Wl>(WORKLOADS, name, ns);
  const workload = (name: string, container: Record<string, unknown>) =>
    ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'Workload',
      metadata: { name, namespace: ns },
      spec: { org: ns, resources: { cpu: '100m', memory: '64Mi' }, template: { spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', imagePullPolicy: 'Never', ...container }] } } },
    }) as KubernetesObject;

  beforeAll(async () => {
    const harness = await controlPlane();
    hub = harness.kubeConfig();
    hubRest = new RestClient(hub);
    ns = await createNamespace(hub, 'rnwl');
    const kc = new KubeConfig();
    kc.loadFromString(await provisionAgent(hub, { name: NODE, org: ns, tags: ['real'] }));
    agent = new NodeAgent({ name: NODE, kc, log, detect: async () => ({ cpu: '2', memory: '2Gi' }), heartbeatIntervalMs: 2000 });
    await agent.start();
    await hubRest.create(SECRETS, { metadata: { name: 'real', namespace: ns }, stringData: { kubeconfig: cp!.kubeConfig().exportConfig() } } as KubernetesObject);
    await hubRest.create(ORGCLUSTERS, { apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata: { name: 'real', namespace: ns }, spec: { org: ns, provider: 'kubeconfig', kubeconfigSecretRef: { name: 'real' }, hosts: [NODE] } } as KubernetesObject);
    op = await runOperator(parseOperatorConfig({ kubeconfig: harness.kubeconfigPath, httpAddr: '127.0.0.1:0', namespace: ns, leaderElect: false }, {}), log);
  }, 120_000);

  afterAll(async () => {
    agent?.stop();
    await op?.stop();
    await hubRest?.delete(MESHNODES, NODE).catch(() => undefined);
    if (hub) await deleteNamespace(hub, ns);
  });

  it("a Workload running `sh -c 'echo hello; exit 3'` ends Failed with exit code 3, its log readable with kubectl", async () => {
    await hubRest.create(WORKLOADS, workload('hello', { image: RUNNER, command: ['sh', '-c', 'echo hello; exit 3'] }));
    const wl = await eventually(async () => {
      const w = await get('hello');
      expect(w.status?.phase).toBe('Failed');
      return w;
    }, { timeoutMs: POD_TEST_MS - 10_000 });
    expect(wl.status?.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(/exit code 3/);
    const logs = await kubectl(cp!.kubeconfigPath, ['logs', '-n', wl.status!.podRef!.namespace!, wl.status!.podRef!.name!]);
    expect(logs.stdout).toBe('hello');
  }, POD_TEST_MS);

  it('an image that is not on the node: ErrImageNeverPull, with the image name, in the Workload status', async () => {
    await hubRest.create(WORKLOADS, workload('missing', { image: 'localhost/not-built:v0', command: ['true'] }));
    const ready = await eventually(async () => {
      const c = (await get('missing')).status?.conditions?.find((x) => x.type === 'Ready');
      expect(c?.reason).toBe('ErrImageNeverPull');
      return c!;
    }, { timeoutMs: POD_TEST_MS - 10_000 });
    expect(ready.message).toContain('localhost/not-built:v0');
  }, POD_TEST_MS);
});

describe('teardown', () => {
  it('leaves no containerd, shim or kubelet process, no mount, no bridge and no cgroup', async () => {
    const { dir } = cp!;
    const { network, nodeDir } = cp!.realCluster!;
    await cp!.stop();
    stopped = true;
    expect(processesMentioning(dir)).toEqual([]);
    expect(processesMentioning(`containerd-shim-runc-v2 -namespace k8s.io`).filter((l) => l.includes(nodeDir))).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir))).toEqual([]);
    expect(existsSync(`/sys/class/net/${network.bridge}`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/memory/weft-node-${network.slot}`)).toBe(false);
  }, 120_000);
});
