// The ci-runner, docops, ml-batch, notebook and security-scan templates end to end on a real node (kubelet + containerd + runc, images from
// hack/images): a fixture repository in a local Gitea with a passing and a failing suite, Jobs
// applied with kubectl through the admission webhooks, the operator (Workload and Job controllers)
// in this process, and the commit statuses the operator sets on the Gitea commits.
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { Job } from '../../src/api/job/types.js';
import { CONFIGMAPS, JOBS, MESHNODES, ORGCLUSTERS, SECRETS, SERVICE_ACCOUNTS, WORKLOADS } from '../../src/api/resources.js';
import { applyCrds, readCrds } from '../../src/cluster/crds.js';
import { LocalControlPlane } from '../../src/cluster/local.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { GiteaForge } from '../../src/forge/index.js';
import { LocalGitea } from '../../src/forge/local/gitea.js';
import { NodeAgent } from '../../src/nodeagent/agent.js';
import { provisionAgent } from '../../src/nodeagent/provision.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { RestClient } from '../../src/runtime/index.js';
import { diagnosticsTarget, eventually, kubectl, LogRing, ringLogger, watchLog } from '../harness/index.js';
import { cloneRepo, type WorkingCopy } from '../integration/forge-helpers.js';
import { userWithRbac } from '../integration/dashboard-helpers.js';
import { LocalS3 } from '../../src/artifacts/local-s3.js';
import { freePort } from '../../src/cluster/ports.js';
import { forwardTcp, type TcpForward } from '../../src/cluster/realnode/forward.js';

const NODE = 'jobs-node';
const NS = 'ci';
const POD_MS = 240_000;
const TEST = 'node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=junit.xml';
const PASSING = "import test from 'node:test';\nimport assert from 'node:assert';\ntest('adds', () => assert.equal(1 + 1, 2));\ntest('concats', () => assert.equal('a' + 'b', 'ab'));\n";
const TRAIN = [
  'import json, sys',
  'from sklearn.datasets import load_iris',
  'from sklearn.ensemble import RandomForestClassifier',
  'from sklearn.model_selection import train_test_split',
  'X, y = load_iris(return_X_y=True)',
  'Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)',
  "trees = int(sys.argv[sys.argv.index('--trees') + 1]) if '--trees' in sys.argv else 20",
  'model = RandomForestClassifier(n_estimators=trees, random_state=0).fit(Xtr, ytr)',
  "json.dump({'accuracy': model.score(Xte, yte), 'trees': trees, 'model': 'random-forest'}, open('metrics.json', 'w'))",
  '',
].join('\n');
const cell = (id: string, source: string, tags: string[] = []) => ({ id, cell_type: 'code', execution_count: null, metadata: { tags }, outputs: [], source });
const NOTEBOOK = JSON.stringify({
  cells: [
    cell('params', 'n_estimators = 5\n', ['parameters']),
    cell('train', [
      'import json',
      'from sklearn.datasets import load_wine',
      'from sklearn.ensemble import RandomForestClassifier',
      'from sklearn.model_selection import train_test_split',
      'X, y = load_wine(return_X_y=True)',
      'Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)',
      'model = RandomForestClassifier(n_estimators=n_estimators, random_state=0).fit(Xtr, ytr)',
      "json.dump({'accuracy': model.score(Xte, yte), 'n_estimators': n_estimators}, open('metrics.json', 'w'))",
    ].join('\n')),
  ],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
});
// Planted findings: an AWS access key id and a GitHub token (secrets, high) and shell=True (bandit B602, high).
const LEAKY = {
  'config.env': `AWS_ACCESS_KEY_ID=AKIAZ7QFAKEKEY123456\nGITHUB_TOKEN=ghp_${'a1B2'.repeat(9)}\n`,
  'run.py': 'import subprocess\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n',
  // A vulnerable pin (GHSA-462w-v97r-4m45, in the scan image's vendored OSV database) and a safe one.
  'requirements.txt': 'jinja2==2.10\nflask==2.0.0\n',
};
const FAILING = "import test from 'node:test';\nimport assert from 'node:assert';\ntest('subtracts', () => assert.equal(2 - 1, 1));\ntest('is wrong', () => assert.equal(1, 2));\n";

type J = Job & KubernetesObject;
/** Gitea's commit status JSON (`status`, where GitHub says `state`). */
type Status = { status: string; context: string; description: string; target_url: string };

describe('ci-runner, docops, ml-batch, notebook and security-scan Jobs on a real node, commit statuses on Gitea', () => {
  let cp: LocalControlPlane;
  let gitea: LocalGitea;
  let forward: TcpForward | undefined;
  let wc: WorkingCopy;
  let rest: RestClient;
  let op: RunningOperator | undefined;
  let agent: NodeAgent | undefined;
  let s3: LocalS3 | undefined;
  let repo: string;
  let cloneUrl: string;
  const shas: Record<string, string> = {};
  const diag = diagnosticsTarget('jobs e2e');

  beforeAll(async () => {
    cp = await LocalControlPlane.start({ nodes: [{ name: NODE, real: true, images: ['docops', 'mlbatch', 'scan', 'notebook'] }] });
    diag.kubeconfig = () => cp.kubeconfigPath;
    diag.namespaces.add(NS);
    const admin = cp.kubeConfig();
    rest = new RestClient(admin);
    await applyCrds(admin, await readCrds(new URL('../../crds', import.meta.url).pathname));
    // Gitea listens on loopback; pods reach the host only on the node's bridge address: forward it.
    gitea = await LocalGitea.start();
    const gateway = cp.realCluster!.network.gateway;
    forward = await forwardTcp(gateway, () => gitea.port);
    const port = forward.port;
    repo = await gitea.createRepo('toy');
    cloneUrl = `http://${gateway}:${port}/${repo}.git`;
    wc = await cloneRepo(new GiteaForge({ url: gitea.url, token: gitea.admin.token }), repo);
    shas.pass = await wc.commitAndPush({ branch: 'pass', files: { 'math.test.mjs': PASSING } });
    shas.fail = await wc.commitAndPush({ branch: 'fail', files: { 'more.test.mjs': FAILING } });
    shas.ml = await wc.commitAndPush({ branch: 'ml', files: { 'train.py': TRAIN } });
    shas.nb = await wc.commitAndPush({ branch: 'nb', files: { 'nb/train.ipynb': NOTEBOOK } });
    shas.scan = await wc.commitAndPush({ branch: 'scan', files: LEAKY });
    shas.docs = await wc.commitAndPush({ branch: 'docs', files: { 'docs/index.md': '# Toy\n\nSee [the guide](guide.html).\n', 'docs/guide.md': '# Guide\n\n| a | b |\n|---|---|\n| 1 | 2 |\n' } });

    await kubectl(cp.kubeconfigPath, ['create', 'namespace', NS]);
    // kube-controller-manager creates the default ServiceAccount that admission requires of pods.
    await eventually(() => rest.get(SERVICE_ACCOUNTS, 'default', NS), { timeoutMs: 120_000 });
    const kc = new KubeConfig();
    kc.loadFromString(await provisionAgent(admin, { name: NODE, org: NS, tags: ['real'] }));
    agent = new NodeAgent({ name: NODE, kc, log: ringLogger(new LogRing()), detect: async () => ({ cpu: '2', memory: '2Gi' }), heartbeatIntervalMs: 2000 });
    await agent.start();
    await rest.create(SECRETS, { metadata: { name: 'self', namespace: NS }, stringData: { kubeconfig: admin.exportConfig() } } as KubernetesObject);
    await rest.create(SECRETS, { metadata: { name: 'gitea-token', namespace: NS }, stringData: { token: gitea.admin.token } } as KubernetesObject);
    await rest.create(ORGCLUSTERS, { apiVersion: 'weft.dev/v1alpha1', kind: 'OrgCluster', metadata: { name: 'real', namespace: NS }, spec: { org: NS, provider: 'kubeconfig', kubeconfigSecretRef: { name: 'self' }, hosts: [NODE] } } as KubernetesObject);
    // The artifact store (versitygw) the operator alone has the keys of.
    s3 = await LocalS3.start();
    await rest.create(SECRETS, { metadata: { name: 'artifacts', namespace: NS }, stringData: { endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } as KubernetesObject);
    const ring = new LogRing();
    watchLog(diag, 'operator', ring);
    // Pods reach the operator (artifact uploads) on the node's bridge gateway.
    const opPort = await freePort(gateway);
    op = await runOperator(
      parseOperatorConfig({ kubeconfig: cp.kubeconfigPath, httpAddr: `${gateway}:${opPort}`, agentGatewayUrl: `http://${gateway}:${opPort}`, artifactStore: `${NS}/artifacts`, webhookAddr: '127.0.0.1:0', webhookUrl: 'auto', webhookConfigName: 'weft-jobs-e2e', namespace: 'weft-system', leaderElect: false }, {}),
      ringLogger(ring),
    );
  }, 30 * 60_000);

  afterAll(async () => {
    agent?.stop();
    await op?.stop();
    await wc?.remove();
    await s3?.stop();
    await forward?.close();
    await gitea?.stop();
    await cp?.stop();
  }, 180_000);

  const apply = (obj: unknown) => kubectl(cp.kubeconfigPath, ['apply', '-f', '-'], stringify(obj));
  const ciJob = (name: string, params: Record<string, string>) => ({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: { org: NS, template: 'ci-runner', backoffLimit: 0, activeDeadlineSeconds: 200, resources: { cpu: '200m', memory: '256Mi' }, params },
  });
  const finished = (name: string) =>
    eventually(async () => {
      const j = await rest.get<J>(JOBS, name, NS);
      expect(['Succeeded', 'Failed']).toContain(j.status?.phase);
      return j;
    }, { timeoutMs: POD_MS - 20_000, intervalMs: 500, description: `Job ${name} to finish` });
  const statusesOf = (sha: string) => gitea.api<Status[]>('GET', `/repos/${repo}/commits/${sha}/statuses`, gitea.admin.token);

  it('a passing suite: Succeeded/Completed with the JUnit counts, and a success status on the Gitea commit', async () => {
    const r = await apply(ciJob('passing', { repo: cloneUrl, ref: 'pass', test: TEST, report: 'junit.xml', statusSecret: 'gitea-token', statusUrl: 'https://weft.example/jobs/ci/passing' }));
    expect(r.exitCode).toBe(0);
    const j = await finished('passing');
    expect(j.status).toMatchObject({ phase: 'Succeeded', reason: 'Completed', exitCode: 0, result: { stage: 'done', commit: shas.pass, tests: { format: 'junit', total: 2, passed: 2, failed: 0 } } });
    expect(j.status?.commitStatus).toMatchObject({ state: 'success', outcome: 'Posted', context: 'weft/ci-runner' });
    const statuses = await statusesOf(shas.pass!);
    expect(statuses[0]).toMatchObject({ status: 'success', context: 'weft/ci-runner', description: '2 passed, 0 failed, 0 skipped (junit)', target_url: 'https://weft.example/jobs/ci/passing' });
    // Before it: pending, set when the job started (newest first).
    expect(statuses.map((s) => s.status)).toEqual(['success', 'pending']);
    const wl = await rest.get<KubernetesObject & { spec: { mainContainer?: string } }>(WORKLOADS, 'passing-1', NS);
    expect(wl.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'passing', controller: true });
  }, POD_MS);

  it('artifacts: the test report goes through the operator to the store; status.artifacts; RBAC download (200, 403); the run history', async () => {
    const job = ciJob('report', { repo: cloneUrl, ref: 'pass', test: TEST, report: 'junit.xml' });
    await apply({ ...job, spec: { ...job.spec, artifacts: { store: { name: 'artifacts' }, paths: ['src/junit.xml', 'src/**/*.mjs'] } } });
    await finished('report');
    const j = await eventually(async () => {
      const x = await rest.get<J>(JOBS, 'report', NS);
      expect(x.status?.conditions?.find((c) => c.type === 'ArtifactsPublished')).toMatchObject({ status: 'True', reason: 'Published' });
      return x;
    }, { timeoutMs: 30_000, description: 'ArtifactsPublished' });
    const names = (j.status?.artifacts ?? []).map((a) => a.name).sort();
    expect(names).toEqual(['src/junit.xml', 'src/math.test.mjs', 'weft-logs/job.log']);
    const junit = j.status!.artifacts!.find((a) => a.name === 'src/junit.xml')!;
    expect(junit).toMatchObject({ url: '/api/v1/artifacts/ci/job/report/1/src/junit.xml', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    // A user who may get the Job downloads it; one who may not gets 403.
    const admin = cp.kubeConfig();
    const reader = await userWithRbac(admin, NS, 'reader', { namespaced: { [NS]: [{ apiGroups: ['weft.dev'], resources: ['jobs'], verbs: ['get', 'list'] }] } });
    const stranger = await userWithRbac(admin, NS, 'stranger', {});
    const get = (token: string, path: string) => fetch(`${op!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const ok = await get(reader.token, junit.url!);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<testsuite');
    expect((await get(stranger.token, junit.url!)).status).toBe(403);
    // The pod's log, archived: it outlives the pod.
    const log = j.status!.artifacts!.find((a) => a.name === 'weft-logs/job.log')!;
    expect(await (await get(reader.token, log.url!)).text()).toMatch(/2 passed|pass 2/);
    const history = (await (await get(reader.token, `/api/v1/history?namespace=${NS}&kind=job`)).json()) as { items: Array<{ name: string; outcome: string; artifacts: unknown[] }> };
    expect(history.items.find((h) => h.name === 'report')).toMatchObject({ outcome: 'Succeeded' });
  }, POD_MS);

  it('a failing suite: Failed/TemplateFailed with exit code 1 and the counts, and a failure status on the Gitea commit', async () => {
    await apply(ciJob('failing', { repo: cloneUrl, ref: 'fail', test: TEST, statusSecret: 'gitea-token' }));
    const j = await finished('failing');
    expect(j.status).toMatchObject({ phase: 'Failed', reason: 'TemplateFailed', exitCode: 1, result: { commit: shas.fail, tests: { passed: 3, failed: 1 } } });
    const [status] = await statusesOf(shas.fail!);
    expect(status).toMatchObject({ status: 'failure', context: 'weft/ci-runner' });
    expect(status!.description).toMatch(/^3 passed, 1 failed, 0 skipped \(text\); exit code 1$/);
  }, POD_MS);

  it('a ref that does not exist: TemplateFailed at the clone stage', async () => {
    await apply(ciJob('no-ref', { repo: cloneUrl, ref: 'nope', test: TEST }));
    const j = await finished('no-ref');
    expect(j.status).toMatchObject({ phase: 'Failed', reason: 'TemplateFailed', exitCode: 2, result: { stage: 'clone' } });
  }, POD_MS);

  it('docops: pandoc builds every Markdown file of docs/ into HTML (index.html among them)', async () => {
    await apply({ ...ciJob('docs', { repo: cloneUrl, ref: 'docs', path: 'docs' }), spec: { ...ciJob('docs', {}).spec, template: 'docops', params: { repo: cloneUrl, ref: 'docs', path: 'docs' } } });
    const j = await finished('docs');
    expect(j.status).toMatchObject({ phase: 'Succeeded', reason: 'Completed', exitCode: 0, result: { stage: 'done', commit: shas.docs, summary: '2 built, 0 failed (html): guide.html index.html' } });
    const wl = await rest.get<KubernetesObject & { status?: { podRef?: { name?: string } } }>(WORKLOADS, 'docs-1', NS);
    const logs = await kubectl(cp.kubeconfigPath, ['logs', '-n', NS, wl.status!.podRef!.name!]);
    expect(logs.stdout).toContain('weft: docs/index.md -> site/index.html');
  }, POD_MS);

  it('ml-batch: a RandomForest on the bundled iris data set, its metrics.json numbers in status.result.metrics', async () => {
    await apply({ ...ciJob('ml', {}), spec: { ...ciJob('ml', {}).spec, template: 'ml-batch', params: { repo: cloneUrl, ref: 'ml', args: '--trees 10' } } });
    const j = await finished('ml');
    expect(j.status).toMatchObject({ phase: 'Succeeded', reason: 'Completed', exitCode: 0, result: { stage: 'run', commit: shas.ml, metrics: { trees: 10 } } });
    expect(j.status?.result?.metrics?.accuracy).toBeGreaterThan(0.8);
    expect(j.status?.result?.summary).toMatch(/^accuracy=0\.\d+, trees=10$/);
  }, POD_MS);

  it('notebook: parameters injected after the tagged cell, executed offline on the wine data set, metrics in status', async () => {
    await apply({ ...ciJob('nb', {}), spec: { ...ciJob('nb', {}).spec, template: 'notebook', params: { repo: cloneUrl, ref: 'nb', notebook: 'nb/train.ipynb', parameters: '{"n_estimators": 30}' } } });
    const j = await finished('nb');
    expect(j.status).toMatchObject({ phase: 'Succeeded', reason: 'Completed', exitCode: 0, result: { stage: 'run', commit: shas.nb, metrics: { n_estimators: 30 } } });
    expect(j.status?.result?.metrics?.accuracy).toBeGreaterThan(0.8);
  }, POD_MS);

  it('security-scan: the planted secrets, shell=True and the vulnerable jinja2 pin are found, SARIF written, Failed by failOn high', async () => {
    await apply({ ...ciJob('scan', {}), spec: { ...ciJob('scan', {}).spec, template: 'security-scan', params: { repo: cloneUrl, ref: 'scan', failOn: 'high' } } });
    const j = await finished('scan');
    expect(j.status).toMatchObject({ phase: 'Failed', reason: 'TemplateFailed', exitCode: 1, result: { stage: 'done', commit: shas.scan } });
    const m = j.status!.result!.metrics!;
    expect(m.high).toBeGreaterThanOrEqual(4);
    expect(j.status?.result?.summary).toMatch(/\(bandit \d+, git-secrets 2, osv-scanner 1\); \d+ at or above failOn high$/);
    const wl = await rest.get<KubernetesObject & { status?: { podRef?: { name?: string } } }>(WORKLOADS, 'scan-1', NS);
    const logs = (await kubectl(cp.kubeconfigPath, ['logs', '-n', NS, wl.status!.podRef!.name!])).stdout;
    expect(logs).toContain('weft: high bandit B602 run.py:4');
    expect(logs).toMatch(/weft: high git-secrets secret config.env:1/);
    expect(logs).toContain('weft: high osv-scanner GHSA-462w-v97r-4m45 requirements.txt:1 jinja2 2.10 (PyPI): Jinja2 sandbox escape via string formatting');
    expect(logs).not.toContain('AKIAZ7QFAKEKEY123456');
  }, POD_MS);

  it('invalid params are refused by admission, naming the field', async () => {
    const r = await apply(ciJob('bad', { ref: 'main', format: 'xml' }));
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('admission webhook "jobs.validate.weft.dev" denied the request');
    expect(r.stderr).toContain('spec.params.repo: required');
    expect(r.stderr).toContain('spec.params.format: Unsupported value: "xml"');
    expect((await rest.list(MESHNODES)).items.length).toBe(1);
  }, 60_000);

  it('quota (a Job counts once) and tag ownership refuse Jobs at admission, with the Workload messages', async () => {
    // Given a policy: org ci may have 1 unfinished Job, and gpu:a100 belongs to another org.
    await rest.create(CONFIGMAPS, { metadata: { name: 'weft-policy', namespace: 'weft-system' }, data: { 'policy.yaml': stringify({ orgs: { [NS]: { quota: { jobs: 1 } } }, tagOwners: { 'gpu:a100': ['someone-else'] } }) } } as KubernetesObject);
    const tagged = { ...ciJob('gpu', { repo: cloneUrl }), spec: { ...ciJob('gpu', { repo: cloneUrl }).spec, placement: { requiredTags: ['gpu:a100'] } } };
    await eventually(async () => expect((await apply(tagged)).stderr).toContain(`Job ${NS}/gpu: tag "gpu:a100" is owned by org someone-else; org ${NS} may not use it`), { timeoutMs: 30_000 });
    // When one suspended Job holds the org's only Job, a second is refused.
    expect((await apply({ ...ciJob('hold', { repo: cloneUrl }), spec: { ...ciJob('hold', { repo: cloneUrl }).spec, suspend: true } })).exitCode).toBe(0);
    const over = await apply(ciJob('over', { repo: cloneUrl }));
    expect(over.exitCode).not.toBe(0);
    expect(over.stderr).toContain(`Job ${NS}/over exceeds its quota: org ${NS}: jobs`);
    // The suspended Job has no Workload: its resources are charged only when one exists.
    expect((await rest.list(WORKLOADS, { namespace: NS })).items.filter((w) => w.metadata?.name?.startsWith('hold'))).toEqual([]);
  }, 60_000);
});
