/**
 * Canary rollout of the operator (issue 21, docs/deploy.md "Canary rollout of the operator"): a
 * stable and a canary operator run side by side against one apiserver with disjoint `--shard`
 * selectors. Every object is reconciled and admitted by exactly one of them; flipping an object's
 * label hands it over.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { parseOperatorConfig } from '../../src/config/operator.js';
import { MESHNODES, WORKLOADS } from '../../src/api/resources.js';
import { leaseName, runOperator, type RunningOperator } from '../../src/operator/run.js';
import { RestClient } from '../../src/runtime/index.js';
import { MUTATING_WEBHOOKS, unregisterWebhooks, VALIDATING_WEBHOOKS } from '../../webhooks/register.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, uniqueName } from '../harness/index.js';

type LogLine = { msg?: string; controller?: string; namespace?: string; name?: string };

/** An operator whose debug log lines this test reads ("reconciled" per object). */
interface Shard {
  name: 'stable' | 'canary';
  op: RunningOperator;
  lines: LogLine[];
}

/** Keys (`controller:namespace/name`) this operator reconciled. */
const reconciled = (s: Shard) => new Set(s.lines.filter((l) => l.msg === 'reconciled').map((l) => `${l.controller}:${l.namespace ?? ''}/${l.name}`));

describe('two operators with disjoint --shard selectors (real apiserver)', () => {
  let kc: KubeConfig;
  let rest: RestClient;
  let ns: string;
  let run: string;
  const shards: Shard[] = [];
  /** Cluster-scoped: deleted after the test. */
  const createdNodes: string[] = [];

  async function start(name: Shard['name'], selector: string): Promise<Shard> {
    const lines: LogLine[] = [];
    const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as LogLine) });
    const cp = await controlPlane();
    const cfg = parseOperatorConfig(
      { kubeconfig: cp.kubeconfigPath, httpAddr: '127.0.0.1:0', webhookAddr: '127.0.0.1:0', webhookUrl: 'auto', namespace: ns, controllers: 'meshnode,workload', shard: selector },
      {},
    );
    const op = await runOperator(cfg, log);
    const s = { name, op, lines };
    shards.push(s);
    return s;
  }

  beforeAll(async () => {
    kc = (await controlPlane()).kubeConfig();
    rest = new RestClient(kc);
    ns = await createNamespace(kc, 'shard');
    run = ns;
  }, 60_000);

  afterAll(async () => {
    for (const s of shards) await s.op.stop();
    for (const s of shards) {
      const name = `weft-shard-${parseOperatorConfig({ shard: selectorOf(s.name) }, {}).shard!.id()}`;
      await unregisterWebhooks(rest, name);
    }
    for (const n of createdNodes) await rest.delete(MESHNODES, n).catch(() => undefined);
    await deleteNamespace(kc, ns);
  });

  // This run's objects only (the shared apiserver holds other tests' objects too), split by the canary label.
  const selectorOf = (name: Shard['name']) => `test.weft.dev/run=${run},weft.dev/canary${name === 'canary' ? '=' : '!='}true`;

  const meshNode = (name: string, labels: Record<string, string>) =>
    ({ apiVersion: 'weft.dev/v1alpha1', kind: 'MeshNode', metadata: { name, labels: { 'test.weft.dev/run': run, ...labels } }, spec: { org: ns } }) as KubernetesObject;
  const workload = (name: string, labels: Record<string, string>) =>
    ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'Workload',
      metadata: { name, namespace: ns, labels: { 'test.weft.dev/run': run, ...labels } },
      // An org without an OrgCluster: the Workload stays Pending, so reconciles stay few.
      spec: { org: ns, template: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
    }) as KubernetesObject;

  it('reconcile and admit each object in exactly one operator; a label flip hands it over', async () => {
    // Given: the stable operator for everything not labelled canary, the canary for the rest.
    const [stable, canary] = await Promise.all([start('stable', selectorOf('stable')), start('canary', selectorOf('canary'))]);
    await Promise.all(shards.map((s) => s.op.mgr.waitForSync()));
    // Each shard elects its own leader and registers its own webhook configurations with its objectSelector.
    expect(new Set(shards.map((s) => leaseName({ shard: parseOperatorConfig({ shard: selectorOf(s.name) }, {}).shard })))).toHaveProperty('size', 2);
    await eventually(async () => expect(shards.every((s) => s.op.mgr.isActive())).toBe(true), { timeoutMs: 30_000 });
    for (const s of shards) {
      const name = `weft-shard-${parseOperatorConfig({ shard: selectorOf(s.name) }, {}).shard!.id()}`;
      for (const type of [VALIDATING_WEBHOOKS, MUTATING_WEBHOOKS]) {
        const cfg = await rest.get<KubernetesObject & { webhooks: Array<{ objectSelector?: unknown }> }>(type, name);
        expect(cfg.webhooks.every((w) => JSON.stringify(w.objectSelector) === JSON.stringify(parseOperatorConfig({ shard: selectorOf(s.name) }, {}).shard!.toK8s()))).toBe(true);
      }
    }

    // When: objects in both shards are created (through both operators' webhooks).
    const nodes = { stable: [uniqueName('node-s'), uniqueName('node-s')], canary: [uniqueName('node-c'), uniqueName('node-c')] };
    createdNodes.push(...nodes.stable, ...nodes.canary);
    const wls = { stable: ['wl-s1', 'wl-s2'], canary: ['wl-c1', 'wl-c2'] };
    // A canary label other than "true" is stable's too.
    for (const [i, n] of nodes.stable.entries()) await rest.create(MESHNODES, meshNode(n, i === 0 ? { 'weft.dev/canary': 'false' } : {}));
    for (const n of nodes.canary) await rest.create(MESHNODES, meshNode(n, { 'weft.dev/canary': 'true' }));
    for (const w of wls.stable) await rest.create(WORKLOADS, workload(w, {}));
    for (const w of wls.canary) await rest.create(WORKLOADS, workload(w, { 'weft.dev/canary': 'true' }));

    // Then: each object is reconciled by its shard's operator, and never by the other one.
    const expected = (name: Shard['name']) => [...nodes[name].map((n) => `meshnode:/${n}`), ...wls[name].map((w) => `workload:${ns}/${w}`)];
    await eventually(
      async () => {
        for (const s of shards) for (const key of expected(s.name)) expect(reconciled(s)).toContain(key);
      },
      { timeoutMs: 30_000 },
    );
    for (const key of expected('stable')) expect(reconciled(canary)).not.toContain(key);
    for (const key of expected('canary')) expect(reconciled(stable)).not.toContain(key);
    // Each MeshNode got its status from the one operator that reconciles it.
    for (const n of [...nodes.stable, ...nodes.canary]) {
      await eventually(async () => expect((await rest.get<KubernetesObject & { status?: { conditions?: unknown[] } }>(MESHNODES, n)).status?.conditions?.length).toBeGreaterThan(0));
    }
    // Admission went to each shard's own webhook server: 2 Workloads, each one mutating and one validating call.
    const admitted = async (s: Shard) => {
      const text = await s.op.mgr.metricsRegistry.getSingleMetricAsString('weft_webhook_duration_seconds');
      return [...text.matchAll(/weft_webhook_duration_seconds_count\{[^}]*kind="Workload"[^}]*\} (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    expect(await admitted(stable)).toBe(4);
    expect(await admitted(canary)).toBe(4);

    // When: a stable Workload is labelled canary (promotion of one object).
    const moved = wls.stable[0]!;
    await rest.patch(WORKLOADS, { name: moved, namespace: ns }, { metadata: { labels: { 'weft.dev/canary': 'true' } } });
    // Then: the canary operator reconciles it from now on.
    await eventually(async () => expect(reconciled(canary)).toContain(`workload:${ns}/${moved}`), { timeoutMs: 30_000 });
    const after = stable.lines.length;
    await rest.patch(WORKLOADS, { name: moved, namespace: ns }, { metadata: { annotations: { touched: 'yes' } } });
    await eventually(async () => expect(canary.lines.filter((l) => l.msg === 'reconciled' && l.name === moved).length).toBeGreaterThan(1), { timeoutMs: 30_000 });
    expect(stable.lines.slice(after).filter((l) => l.msg === 'reconciled' && l.name === moved)).toEqual([]);
  }, 120_000);
});
