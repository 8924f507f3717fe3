/**
 * A feature gate turned off stops its kind cleanly (issue 21, docs/feature-gates.md): no controller,
 * no webhook served or registered for it, and a restart with the gate off removes the webhooks an
 * earlier run registered.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { JOBS, WORKLOADS } from '../../src/api/resources.js';
import { runOperator, type RunningOperator } from '../../src/operator/run.js';
import { RestClient } from '../../src/runtime/index.js';
import { MUTATING_WEBHOOKS, unregisterWebhooks, VALIDATING_WEBHOOKS } from '../../webhooks/register.js';
import { controlPlane, createNamespace, deleteNamespace, eventually } from '../harness/index.js';

type LogLine = { msg?: string; controller?: string; name?: string };
type WebhookConfig = KubernetesObject & { webhooks: Array<{ name: string }> };

describe('feature gates off (real apiserver)', () => {
  let kc: KubeConfig;
  let rest: RestClient;
  let ns: string;
  let configName: string;
  let op: RunningOperator | undefined;
  let lines: LogLine[] = [];

  async function start(featureGates: string): Promise<RunningOperator> {
    lines = [];
    const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as LogLine) });
    const cp = await controlPlane();
    const cfg = parseOperatorConfig(
      { kubeconfig: cp.kubeconfigPath, httpAddr: '127.0.0.1:0', webhookAddr: '127.0.0.1:0', webhookUrl: 'auto', webhookConfigName: configName, namespace: ns, leaderElect: false, featureGates },
      {},
    );
    op = await runOperator(cfg, log);
    await op.mgr.waitForSync();
    return op;
  }

  /** The `<plural>` of every webhook in both registered configurations. */
  async function registeredKinds(): Promise<{ validating: string[]; mutating: string[] }> {
    const plurals = async (type: typeof VALIDATING_WEBHOOKS) => (await rest.get<WebhookConfig>(type, configName)).webhooks.map((w) => w.name.split('.')[0]!).sort();
    return { validating: await plurals(VALIDATING_WEBHOOKS), mutating: await plurals(MUTATING_WEBHOOKS) };
  }

  beforeAll(async () => {
    kc = (await controlPlane()).kubeConfig();
    rest = new RestClient(kc);
    ns = await createNamespace(kc, 'gates');
    configName = `weft-${ns}`;
  }, 60_000);

  afterAll(async () => {
    await op?.stop();
    await unregisterWebhooks(rest, configName);
    await deleteNamespace(kc, ns);
  });

  it('Jobs=false,AgentTasks=false: no controller and no webhook for Job and AgentTask; a restart removes the old webhooks', async () => {
    // Given: an operator with the default gates registered every kind's webhooks.
    const all = await start('');
    expect(all.mgr.controllerNames()).toEqual(expect.arrayContaining(['job', 'agenttask', 'workload']));
    expect((await registeredKinds()).validating).toEqual(['agenttasks', 'jobs', 'meshnodes', 'orgclusters', 'workloads']);
    await all.stop();
    op = undefined;

    // When: it restarts with both gates off.
    const gated = await start('Jobs=false,AgentTasks=false');

    // Then: no controller for either kind, and their webhooks are neither registered nor served.
    expect(gated.mgr.controllerNames()).not.toContain('job');
    expect(gated.mgr.controllerNames()).not.toContain('agenttask');
    expect(gated.mgr.controllerNames()).toEqual(expect.arrayContaining(['meshnode', 'orgcluster', 'workload']));
    expect(await registeredKinds()).toEqual({ validating: ['meshnodes', 'orgclusters', 'workloads'], mutating: ['meshnodes', 'orgclusters', 'workloads'] });

    // A Job created now passes no webhook and is never reconciled, while a Workload created after it is.
    await rest.create(JOBS, { apiVersion: 'weft.dev/v1alpha1', kind: 'Job', metadata: { name: 'ci', namespace: ns }, spec: { org: ns, template: 'ci-runner' } } as KubernetesObject);
    await rest.create(WORKLOADS, {
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'Workload',
      metadata: { name: 'after-the-job', namespace: ns },
      spec: { org: ns, template: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
    } as KubernetesObject);
    await eventually(async () => expect(lines.some((l) => l.msg === 'reconciled' && l.controller === 'workload' && l.name === 'after-the-job')).toBe(true), { timeoutMs: 30_000 });
    expect(lines.filter((l) => l.controller === 'job' || l.controller === 'agenttask')).toEqual([]);
    expect((await rest.get<KubernetesObject & { status?: unknown }>(JOBS, 'ci', ns)).status).toBeUndefined();
    const metrics = await gated.mgr.metricsRegistry.getSingleMetricAsString('weft_webhook_duration_seconds');
    expect(metrics).toMatch(/kind="Workload"/);
    expect(metrics).not.toMatch(/kind="Job"/);
  }, 120_000);
});
