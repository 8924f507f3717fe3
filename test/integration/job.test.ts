import { KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import type { Job } from '../../src/api/job/types.js';
import type { Workload } from '../../src/api/workload/types.js';
import { NodeAgent } from '../../src/nodeagent/agent.js';
import { provisionAgent } from '../../src/nodeagent/provision.js';
import { createFakeNodes } from '../../src/cluster/kwok.js';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { JOBS, MESHNODES, NODES, ORGCLUSTERS, PODS, SECRETS, WORKLOADS } from '../../src/api/resources.js';
import { isNotFound, RestClient } from '../../src/runtime/index.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, testLogger, uniqueName } from '../harness/index.js';

type J = Job & KubernetesObject;
type Wl = Workload & KubernetesObject;

/**
 * Jobs on the real apiserver with KWOK running their pods: 20 MeshNodes (real agents), 5 of them
 * tagged `pool:ci`; the operator with the Workload and Job controllers. A pod labelled
 * `kwok.weft.dev/exit-code: N` (the Job's labels reach its pod) ends with code N; without it, it runs
 * until deleted.
 */
describe('Jobs: owned Workloads on KWOK nodes, requiredTags, backoff, deadline, TTL, suspend (real apiserver)', () => {
  let admin: KubeConfig;
  let rest: RestClient;
  let ns: string;
  let op: RunningOperator;
  const agents: NodeAgent[] = [];
  const nodes: string[] = [];
  const ciNodes: string[] = [];

  async function host(tags: string[]): Promise<string> {
    const name = uniqueName('job-host');
    const kc = new KubeConfig();
    kc.loadFromString(await provisionAgent(admin, { name, org: ns, tags }));
    const agent = new NodeAgent({ name, kc, log: testLogger(`agent ${name}`), detect: async () => ({ cpu: '4', memory: '8Gi' }), heartbeatIntervalMs: 5000 });
    await agent.start();
    agents.push(agent);
    return name;
  }

  beforeAll(async () => {
    const cp = await controlPlane();
    admin = cp.kubeConfig();
    rest = new RestClient(admin);
    ns = await createNamespace(admin, 'job');
    for (let i = 0; i < 20; i++) {
      const name = await host(i < 5 ? ['pool:ci'] : ['pool:batch']);
      nodes.push(name);
      if (i < 5) ciNodes.push(name);
    }
    await createFakeNodes(admin, nodes.map((name) => ({ name, cpu: '4', memory: '8Gi' })));
    await rest.create(SECRETS, { metadata: { name: 'hub-kubeconfig', namespace: ns }, stringData: { kubeconfig: admin.exportConfig() } } as KubernetesObject);
    await rest.create(ORGCLUSTERS, {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'OrgCluster',
      metadata: { name: 'hub', namespace: ns },
      spec: { org: ns, provider: 'kubeconfig', kubeconfigSecretRef: { name: 'hub-kubeconfig' }, hosts: nodes },
    } as KubernetesObject);
    op = await runOperator(parseOperatorConfig({ kubeconfig: cp.kubeconfigPath, httpAddr: '127.0.0.1:0', namespace: ns, leaderElect: false }, {}), testLogger(`operator ${ns}`));
    await eventually(async () => {
      const oc = await rest.get<KubernetesObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(ORGCLUSTERS, 'hub', ns);
      expect(oc.status?.conditions?.find((c) => c.type === 'Reachable')?.status).toBe('True');
    }, { timeoutMs: 60_000 });
  }, 180_000);

  afterAll(async () => {
    for (const a of agents) a.stop();
    await op?.stop();
    for (const n of nodes) {
      await rest.delete(MESHNODES, n).catch(() => undefined);
      await rest.delete(NODES, n).catch(() => undefined);
    }
    await deleteNamespace(admin, ns);
  });

  function newJob(name: string, o: { exitCode?: string; spec?: Partial<Job['spec']> } = {}): J {
    return {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'Job',
      metadata: { name, namespace: ns, ...(o.exitCode !== undefined ? { labels: { 'kwok.weft.dev/exit-code': o.exitCode } } : {}) },
      spec: { org: ns, template: 'ci-runner', params: { repo: 'http://gitea.invalid:3000/acme/toy.git' }, resources: { cpu: '100m', memory: '64Mi' }, ...o.spec },
    } as J;
  }
  const get = (name: string) => rest.get<J>(JOBS, name, ns);
  const getWl = (name: string) => rest.get<Wl>(WORKLOADS, name, ns);
  const finished = (name: string, phase: 'Succeeded' | 'Failed', timeoutMs = 60_000) =>
    eventually(async () => {
      const j = await get(name);
      expect(j.status?.phase).toBe(phase);
      return j;
    }, { timeoutMs, description: `Job ${name} ${phase}` });
  const gone = (fn: () => Promise<unknown>) =>
    eventually(async () => {
      const err = await fn().then(() => undefined, (e: unknown) => e);
      expect(isNotFound(err)).toBe(true);
    }, { timeoutMs: 30_000 });

  it('Jobs with requiredTags land only on matching nodes, as owned Workloads; the pod carries the owner labels', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `tagged-${i}`);
    for (const n of names) await rest.create(JOBS, newJob(n, { exitCode: '0', spec: { placement: { requiredTags: ['pool:ci'] } } }));
    for (const n of names) {
      const j = await finished(n, 'Succeeded');
      expect(j.status).toMatchObject({ reason: 'Completed', exitCode: 0, attempts: 1, workloadRef: { name: `${n}-1` } });
      expect(j.status?.conditions?.find((c) => c.type === 'Complete')).toMatchObject({ status: 'True', reason: 'Completed' });
      const wl = await getWl(`${n}-1`);
      expect(ciNodes).toContain(wl.status?.placement?.node);
      expect(wl.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: n, uid: j.metadata!.uid, controller: true })]);
      expect(wl.spec.mainContainer).toBe('job');
      const pod = await rest.get<V1Pod & KubernetesObject>(PODS, wl.status!.podRef!.name!, ns);
      expect(pod.metadata?.labels).toMatchObject({ 'weft.dev/owner-kind': 'Job', 'weft.dev/owner-name': n, 'weft.dev/job': n });
      expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.spec?.automountServiceAccountToken).toBe(false);
    }
  }, 120_000);

  it('backoffLimit: a failing Job is retried with a new Workload per attempt, then BackoffLimitExceeded with the exit code', async () => {
    await rest.create(JOBS, newJob('flaky', { exitCode: '3', spec: { backoffLimit: 1 } }));
    const j = await finished('flaky', 'Failed');
    expect(j.status).toMatchObject({ reason: 'BackoffLimitExceeded', exitCode: 3, attempts: 2, failedAttempts: 2 });
    expect(j.status?.message).toMatch(/attempt 2 failed \(TemplateFailed\): exit code 3/);
    for (const n of ['flaky-1', 'flaky-2']) expect((await getWl(n)).status?.phase).toBe('Failed');
    await rest.create(JOBS, newJob('once', { exitCode: '4', spec: { backoffLimit: 0 } }));
    expect((await finished('once', 'Failed')).status).toMatchObject({ reason: 'TemplateFailed', exitCode: 4, attempts: 1 });
  }, 120_000);

  it('activeDeadlineSeconds: a Job that runs too long is stopped (its Workload deleted) with DeadlineExceeded', async () => {
    await rest.create(JOBS, newJob('slow', { spec: { activeDeadlineSeconds: 3 } }));
    await eventually(async () => expect((await getWl('slow-1')).metadata?.uid).toBeDefined(), { timeoutMs: 10_000 });
    const j = await finished('slow', 'Failed', 30_000);
    expect(j.status?.reason).toBe('DeadlineExceeded');
    await gone(() => getWl('slow-1'));
  }, 90_000);

  it('ttlSecondsAfterFinished: the finished Job and its Workload are deleted', async () => {
    await rest.create(JOBS, newJob('short-lived', { exitCode: '0', spec: { ttlSecondsAfterFinished: 1 } }));
    await gone(() => get('short-lived'));
    await gone(() => getWl('short-lived-1'));
  }, 90_000);

  it('suspend: no Workload while suspended; resuming starts an attempt that completes', async () => {
    await rest.create(JOBS, newJob('later', { exitCode: '0', spec: { suspend: true } }));
    await eventually(async () => expect((await get('later')).status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'True' }));
    const owned = (await rest.list<Wl>(WORKLOADS, { namespace: ns })).items.filter((w) => w.metadata?.ownerReferences?.some((r) => r.name === 'later'));
    expect(owned).toEqual([]);
    await rest.request('PATCH', `/apis/weft.dev/v1alpha1/namespaces/${ns}/jobs/later`, { body: { spec: { suspend: false } }, contentType: 'application/merge-patch+json' });
    const j = await finished('later', 'Succeeded');
    expect(j.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'False', reason: 'Resumed' });
  }, 90_000);

  it('deleting a Job deletes its Workloads (finalizer; the local cluster runs no garbage collector)', async () => {
    await rest.create(JOBS, newJob('doomed'));
    await eventually(async () => expect((await getWl('doomed-1')).status?.phase).toBe('Running'), { timeoutMs: 30_000 });
    await rest.delete(JOBS, 'doomed', ns);
    await gone(() => get('doomed'));
    await gone(() => getWl('doomed-1'));
  }, 90_000);
});
