// code-server attach end to end on a real node (kubelet + containerd + runc): the agent pod spec
// that controllers/agenttask/pod.ts builds for `spec.agent.codeServer: true` (agent container +
// code-server native sidecar, Pod Security `restricted`) runs from the `agent` and `code-server`
// images; the operator's /attach route authenticates (TokenReview), authorizes (SubjectAccessReview,
// verb `attach` on agenttasks.weft.dev), logs in to code-server and proxies HTTP and WebSockets;
// `weft agent attach`'s forwarder gives Chromium the workbench.
//
// The AgentTask controller runs: it makes the task's identity and the Workload of attempt 1, whose
// pod template carries the sidecar with the operator's hash (run.ts → controllers.ts → pod.ts).
// The pod is kept alive without the git gateway (not built yet): the test places the Workload as
// the Workload controller would (buildPod; that controller is not run) with the agent container's
// command replaced by `sleep`, and writes the Workload's status; the AgentTask controller then
// reports Running. Everything else (images, PSA, route, RBAC, proxy, CLI forwarder, browser) is real.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { LocalControlPlane } from '../../src/cluster/local.js';
import { applyCrds, readCrds } from '../../src/cluster/crds.js';
import { freePort } from '../../src/cluster/ports.js';
import { IMAGE_REFS } from '../../src/cluster/realnode/index.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { CONTROLLERS } from '../../src/operator/controllers.js';
import { AGENTTASKS, NAMESPACES, ORGCLUSTERS, PODS, SECRETS, WORKLOADS } from '../../src/api/resources.js';
import { RestClient } from '../../src/runtime/index.js';
import type { AgentTask } from '../../src/api/agenttask/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { AGENT_CONTAINER } from '../../controllers/agenttask/pod.js';
import { buildPod } from '../../controllers/workload/pod.js';
import { CODE_SERVER_CONTAINER } from '../../controllers/agenttask/codeserver.js';
import { loadCodeServerCredentials, type CodeServerCredentials } from '../../src/agents/codeserver/credentials.js';
import { startAttachForwarder, type AttachForwarder } from '../../src/cli/attach.js';
import { eventually, kubectl, testLogger } from '../harness/index.js';
import { call, launchChromium, userWithRbac } from './dashboard-helpers.js';

const NODE = 'cs-node';
const NS = 'coders';
const ORG = 'acme';
const OP_NS = 'weft-system';
const TASK = 'watched';
const TEST_MS = 240_000;
const SHOTS = join(import.meta.dirname, '..', '..', 'reports', 'screenshots');

let cp: LocalControlPlane | undefined;
let rest: RestClient;
let op: RunningOperator | undefined;
let creds: CodeServerCredentials;
let task: AgentTask & KubernetesObject;
let attacher: { token: string; username: string };
let viewer: { token: string; username: string };
let forwarder: AttachForwarder | undefined;

const attachUrl = (path = '') => `${op!.url}/attach/${NS}/${TASK}/${path}`;

/**
 * Given a task with codeServer: the AgentTask controller makes its identity and the Workload of
 * attempt 1; the test places it as the Workload controller would (buildPod, with `sleep` for the
 * agent) and reports the pod in the Workload's status; the controller then says Running.
 */
async function startAttempt(): Promise<V1Pod> {
  task = await rest.create(AGENTTASKS, {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AgentTask',
    metadata: { name: TASK, namespace: NS },
    spec: {
      org: ORG,
      repo: { url: 'https://forge.invalid/acme/app.git', baseBranch: 'main', credentialsSecretRef: { name: 'forge' } },
      source: { inline: { title: 'Watch me', description: 'A human attaches.' } },
      agent: { driver: 'scripted', steps: [{ run: 'sleep 300' }], codeServer: true, image: IMAGE_REFS.agent },
      resources: { cpu: '100m', memory: '128Mi' },
    },
  } as AgentTask & KubernetesObject);
  const wl = await eventually(() => rest.get<Workload & KubernetesObject>(WORKLOADS, `${TASK}-1`, NS), { timeoutMs: 60_000, description: `Workload ${TASK}-1 from the AgentTask controller` });
  const pod = buildPod(wl, `${NS}/self`, NODE, 1);
  pod.spec!.containers.find((c) => c.name === AGENT_CONTAINER)!.command = ['sleep', '600']; // stands in for `weft task-run` (whose clone needs the git gateway)
  await rest.create(PODS, pod as KubernetesObject);
  const podName = pod.metadata!.name!;
  await rest.patch(WORKLOADS, { name: wl.metadata!.name!, namespace: NS }, { status: { phase: 'Running', podRef: { cluster: `${NS}/self`, namespace: NS, name: podName } } }, { subresource: 'status' });
  return eventually(
    async () => {
      const p = await rest.get<V1Pod & KubernetesObject>(PODS, podName, NS);
      const sidecar = p.status?.initContainerStatuses?.find((c) => c.name === CODE_SERVER_CONTAINER);
      if (p.status?.phase !== 'Running' || !sidecar?.ready) throw new Error(`pod ${podName}: ${p.status?.phase}, code-server ${JSON.stringify(sidecar?.state)}`);
      const t = await rest.get<AgentTask & KubernetesObject>(AGENTTASKS, TASK, NS);
      if (t.status?.phase !== 'Running' || t.status.placement?.pod !== podName) throw new Error(`AgentTask ${TASK}: ${JSON.stringify(t.status?.phase)} ${JSON.stringify(t.status?.placement)}`);
      return p;
    },
    { timeoutMs: 150_000, description: 'the agent pod Running with code-server ready, the AgentTask Running' },
  );
}

/** A WebSocket upgrade through `url` (the route or the forwarder): the status line's code. */
function upgrade(url: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({
      host: u.hostname,
      port: u.port,
      path: `${u.pathname}?reconnectionToken=${randomUUID()}&reconnection=false&skipWebSocketFrames=false`,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': Buffer.from(randomUUID().slice(0, 16)).toString('base64'), origin: 'http://evil.invalid', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  cp = await LocalControlPlane.start({ nodes: [{ name: NODE, real: true, images: ['agent', 'code-server'] }] });
  const kc = cp.kubeConfig();
  await applyCrds(kc, await readCrds(new URL('../../crds', import.meta.url).pathname));
  rest = new RestClient(kc);
  await rest.create(NAMESPACES, { metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } } as KubernetesObject);
  await rest.create(SECRETS, { metadata: { name: 'self', namespace: NS }, stringData: { kubeconfig: kc.exportConfig() } } as KubernetesObject);
  await rest.create(ORGCLUSTERS, { apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata: { name: 'self', namespace: NS }, spec: { org: ORG, provider: 'kubeconfig', kubeconfigSecretRef: { name: 'self' }, hosts: [NODE] } } as KubernetesObject);
  const port = await freePort('127.0.0.1');
  const cfg = parseOperatorConfig({ kubeconfig: cp.kubeconfigPath, httpAddr: `127.0.0.1:${port}`, namespace: OP_NS, leaderElect: false, featureGates: 'AgentTasks=true' }, {});
  // Only the AgentTask controller: the test plays the Workload controller (see the header).
  op = await runOperator(cfg, testLogger('operator'), { controllers: CONTROLLERS.filter((c) => c.name === 'agenttask') });
  creds = await loadCodeServerCredentials(rest, OP_NS); // the key the operator made on start
  attacher = await userWithRbac(kc, NS, 'attacher', { namespaced: { [NS]: [{ apiGroups: ['weft.dev'], resources: ['agenttasks'], verbs: ['get', 'attach'] }] } });
  viewer = await userWithRbac(kc, NS, 'viewer', { namespaced: { [NS]: [{ apiGroups: ['weft.dev'], resources: ['agenttasks'], verbs: ['get', 'list'] }] } });
}, 20 * 60_000);

afterAll(async () => {
  await forwarder?.close();
  await op?.stop();
  await cp?.stop();
}, 180_000);

describe('code-server attach on a real node', () => {
  it('the restricted namespace admits the pod with its code-server sidecar; the pod holds no password', async () => {
    const pod = await startAttempt();
    const sidecar = pod.spec!.initContainers!.find((c) => c.name === CODE_SERVER_CONTAINER)!;
    expect(sidecar).toMatchObject({ restartPolicy: 'Always', image: IMAGE_REFS['code-server'], securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } } });
    expect(sidecar.volumeMounts).toContainEqual(expect.objectContaining({ name: 'workspace', mountPath: '/workspace' }));
    // The AgentTask controller's pod config (run.ts → controllers.ts → pod.ts) gave it the operator's hash.
    expect(sidecar.env).toContainEqual({ name: 'HASHED_PASSWORD', value: creds.hashedPassword(task.metadata!.uid!) });
    const password = creds.password(task.metadata!.uid!);
    expect(JSON.stringify(pod)).not.toContain(password);
    for (const c of [AGENT_CONTAINER, CODE_SERVER_CONTAINER]) {
      const env = await kubectl(cp!.kubeconfigPath, ['exec', '-n', NS, pod.metadata!.name!, '-c', c, '--', 'env']);
      expect(env.stdout).not.toContain(password);
    }
    // The agent container cannot see the sidecar's hash either (separate environment and mounts).
    const agentEnv = await kubectl(cp!.kubeconfigPath, ['exec', '-n', NS, pod.metadata!.name!, '-c', AGENT_CONTAINER, '--', 'env']);
    expect(agentEnv.stdout).not.toContain('HASHED_PASSWORD');
    await kubectl(cp!.kubeconfigPath, ['exec', '-n', NS, pod.metadata!.name!, '-c', AGENT_CONTAINER, '--', 'bash', '-c', 'echo "written by the agent" > /workspace/hello-from-agent.txt']);
  }, TEST_MS);

  it('no credentials → 401; without the attach permission → 403 naming it and the kubectl fix (HTTP and WebSocket)', async () => {
    expect((await call(attachUrl())).status).toBe(401);
    expect(await upgrade(attachUrl())).toBe(401);
    const denied = await call(attachUrl(), { token: viewer.token });
    expect(denied.status).toBe(403);
    expect(String(denied.body.message)).toContain(`lacks the RBAC permission attach agenttasks.weft.dev "${TASK}" in namespace "${NS}"`);
    expect(String(denied.body.message)).toMatch(/kubectl create role weft-attach -n coders --verb=attach --resource=agenttasks\.weft\.dev --resource-name=watched/);
    expect(await upgrade(attachUrl(), viewer.token)).toBe(403);
  }, TEST_MS);

  it('with the attach permission: the workbench HTML through the route, and its WebSocket upgrade', async () => {
    const r = await fetch(attachUrl(), { headers: { authorization: `Bearer ${attacher.token}` } });
    const html = await r.text();
    expect(r.status).toBe(200);
    expect(html).toMatch(/workbench/i);
    expect(r.headers.get('set-cookie')).toBeNull(); // the session stays with the operator
    expect(await upgrade(attachUrl(), attacher.token)).toBe(101);
    // A task without codeServer: 409 with the field and the fix.
    await rest.create(AGENTTASKS, { ...task, metadata: { name: 'plain', namespace: NS }, spec: { ...task.spec, agent: { driver: 'scripted', steps: [{ run: 'true' }], codeServer: false } }, status: undefined } as unknown as KubernetesObject);
    const plainRole = await userWithRbac(cp!.kubeConfig(), NS, 'plain', { namespaced: { [NS]: [{ apiGroups: ['weft.dev'], resources: ['agenttasks'], verbs: ['attach'] }] } });
    const plain = await call(`${op!.url}/attach/${NS}/plain/`, { token: plainRole.token });
    expect(plain.status).toBe(409);
    expect(String(plain.body.message)).toContain('spec.agent.codeServer=false');
  }, TEST_MS);

  it('weft agent attach: Chromium loads the workbench through the local forwarder and shows the agent workspace', async () => {
    forwarder = await startAttachForwarder({ operatorUrl: op!.url, namespace: NS, name: TASK, authorization: `Bearer ${attacher.token}` });
    expect(forwarder.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await upgrade(forwarder.url)).toBe(101);
    await mkdir(SHOTS, { recursive: true });
    const browser = await launchChromium({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await browser.ctx.newPage();
      await page.goto(forwarder.url);
      await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
      // The explorer lists the file the agent wrote: the remote (WebSocket) connection works.
      await page.getByText('hello-from-agent.txt').first().waitFor({ timeout: 90_000 });
      await page.screenshot({ path: join(SHOTS, 'code-server-attach.png') });
    } finally {
      await browser.close();
    }
  }, TEST_MS);
});
