import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { LocalControlPlane } from '../../src/cluster/local.js';
import { Informer, LeaderElector, Manager, RestClient, type InformerEvent, type ResourceType } from '../../src/runtime/index.js';
import { controlPlane, createNamespace, deleteNamespace, eventually, uniqueName, testLogger } from '../harness/index.js';

const CONFIGMAPS: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const log = testLogger();

describe('Informer and leader election on the shared control plane', () => {
  let kc: KubeConfig;
  let ns: string;
  beforeAll(async () => {
    kc = (await controlPlane()).kubeConfig();
    ns = await createNamespace(kc, 'rt');
  });
  afterAll(async () => deleteNamespace(kc, ns));

  it('lists, then reports add, update and delete, and keeps a cache', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before' }, data: { a: '1' } } });
    const inf = new Informer<V1ConfigMap>(kc, CONFIGMAPS, { namespace: ns, log });
    const events: string[] = [];
    inf.on((ev: InformerEvent, obj) => events.push(`${ev}:${obj.metadata?.name}`));
    await inf.start();
    try {
      expect(inf.hasSynced()).toBe(true);
      expect(inf.get(`${ns}/before`)?.data).toEqual({ a: '1' });
      expect(inf.get(`${ns}/before`)?.kind).toBe('ConfigMap');

      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' } } });
      await new RestClient(kc).patch(CONFIGMAPS, { namespace: ns, name: 'before' }, { data: { a: '2' } });
      await core.deleteNamespacedConfigMap({ namespace: ns, name: 'after' });
      await eventually(() => expect(events).toEqual(['add:before', 'add:after', 'update:before', 'delete:after']));
      expect(inf.get(`${ns}/before`)?.data).toEqual({ a: '2' });
      expect(inf.get(`${ns}/after`)).toBeUndefined();
    } finally {
      await inf.stop();
    }
  });

  it('elects exactly one leader; a released lease is taken over at once; a crashed leader after expiry', async () => {
    const name = uniqueName('lease');
    const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };
    const a = new LeaderElector(kc, { namespace: ns, name, identity: 'replica-a', ...timing, log });
    const b = new LeaderElector(kc, { namespace: ns, name, identity: 'replica-b', ...timing, log });
    a.start();
    b.start();
    try {
      await eventually(() => expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1));
      // Stays exactly one over several renew periods
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 300));
        expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
      }
      const [leader, follower] = a.isLeader() ? [a, b] : [b, a];

      // Crash: no release. The follower must wait for expiry, and lead within duration + retry.
      const crashedAt = Date.now();
      await leader.stop({ release: false });
      await eventually(() => expect(follower.isLeader()).toBe(true), { timeoutMs: 10_000 });
      const takeover = Date.now() - crashedAt;
      expect(takeover).toBeLessThan(timing.leaseDurationMs + 3 * timing.retryPeriodMs + 1000);

      // A graceful stop releases the lease: the restarted replica takes over without waiting for expiry.
      leader.start();
      await new Promise((r) => setTimeout(r, 2 * timing.retryPeriodMs));
      expect(leader.isLeader()).toBe(false); // the lease is held and fresh
      const releasedAt = Date.now();
      await follower.stop();
      await eventually(() => expect(leader.isLeader()).toBe(true), { timeoutMs: 10_000 });
      expect(Date.now() - releasedAt).toBeLessThan(timing.leaseDurationMs);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('Manager across an apiserver restart (own control plane)', () => {
  let cp: LocalControlPlane;
  let kc: KubeConfig;
  let ns: string;
  beforeAll(async () => {
    cp = await LocalControlPlane.start();
    kc = cp.kubeConfig();
    ns = await createNamespace(kc, 'restart');
  });
  afterAll(async () => cp.stop());

  it('resumes reconciling after the watch is broken, with nothing missed', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const seen = new Map<string, string>(); // key -> last data.v reconciled
    const registry = new Registry();
    const mgr = new Manager(kc, { log, metrics: registry });
    const inf = mgr.informer<V1ConfigMap>(CONFIGMAPS);
    mgr.add({
      name: 'cm-echo',
      for: CONFIGMAPS,
      reconcile: async ({ key }) => {
        const obj = inf.get(key);
        if (obj) seen.set(key, obj.data?.v ?? '');
        else seen.delete(key);
      },
    });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { v: '1' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'gone' }, data: { v: '1' } } });
    await mgr.start({ waitForSync: true });
    try {
      await eventually(() => expect(seen.get(`${ns}/a`)).toBe('1'));

      // When the apiserver restarts (every watch connection drops)
      await cp.restartApiServer();
      // and objects change right after, while informers are reconnecting
      await eventually(() => core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'b' }, data: { v: '1' } } }));
      await new RestClient(kc).patch(CONFIGMAPS, { namespace: ns, name: 'a' }, { data: { v: '2' } });
      await core.deleteNamespacedConfigMap({ namespace: ns, name: 'gone' });

      // Then every change is reconciled
      await eventually(() => {
        expect(seen.get(`${ns}/a`)).toBe('2');
        expect(seen.get(`${ns}/b`)).toBe('1');
        expect(seen.has(`${ns}/gone`)).toBe(false);
      }, { timeoutMs: 60_000, description: 'changes after the restart are reconciled' });
    } finally {
      await mgr.stop();
    }
  });
});
