import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { eventually } from '../../test/harness/eventually.js';
import { ApiError } from './errors.js';
import { canAcquire, LeaderElector, microTime, type LeaseClient } from './leader.js';
import { describeLeaseFailure, LeaderElectionError, leaderCheck, type LeaderStatus } from './leader-status.js';
import { NamespaceMissingError } from './namespace.js';
import type { ResourceType } from './rest.js';

describe('canAcquire', () => {
  const now = 100_000;
  it.each([
    ['no lease', undefined, true],
    ['empty holder (released)', { holder: '', renewTime: now, durationMs: 15_000 }, true],
    ['held by me', { holder: 'me', renewTime: now, durationMs: 15_000 }, true],
    ['held by another, fresh', { holder: 'other', renewTime: now - 5_000, durationMs: 15_000 }, false],
    ['held by another, expired', { holder: 'other', renewTime: now - 16_000, durationMs: 15_000 }, true],
  ])('%s → %s', (_name, lease, want) => expect(canAcquire(lease, 'me', now)).toBe(want));
});

describe('microTime', () => {
  it('formats six fractional digits', () => {
    expect(microTime(new Date('2026-11-24T10:00:00.123Z'))).toBe('2026-11-24T10:00:00.123000Z');
  });
});

describe('leaderCheck (the leader readiness check)', () => {
  const now = 100_000;
  it.each<[string, LeaderStatus, boolean, RegExp]>([
    ['leading', { state: 'leading' }, true, /^leading as me$/],
    ['following a holder seen on the Lease', { state: 'following', holder: 'op-2', renewTime: now - 3_000, durationMs: 15_000 }, true, /^standby \(me\); op-2 leads \(lease renewed 3 s ago\)$/],
    ['following an expired holder', { state: 'following', holder: 'op-2', renewTime: now - 20_000, durationMs: 15_000 }, true, /op-2 leads \(lease renewed 20 s ago, expired: taking over\)/],
    ['electing', { state: 'electing' }, false, /^electing \(me\): no holder seen/],
    ['failing', { state: 'failing', reason: 'namespace "x" does not exist' }, false, /^no leader known \(me\): namespace "x" does not exist$/],
  ])('%s', (_name, status, ok, message) => {
    const r = leaderCheck(status, 'me', now);
    expect(r.ok).toBe(ok);
    expect(r.message).toMatch(message);
    if (status.state !== 'following') expect(r.message).not.toMatch(/another replica|leads/);
  });
});

describe('describeLeaseFailure', () => {
  const lease = { namespace: 'weft-system', name: 'weft-operator-leader' };
  it('names the RBAC fix for a forbidden Lease call', () => {
    const err = describeLeaseFailure(new ApiError(403, 'Forbidden', 'leases is forbidden'), lease, 'create');
    expect(err).toBeInstanceOf(LeaderElectionError);
    expect(err.message).toMatch(/may not create leases.coordination.k8s.io in namespace "weft-system" \(leases is forbidden\): apply config\/rbac/);
  });
  it('passes a missing namespace through with its fix', () => {
    expect(describeLeaseFailure(new NamespaceMissingError('weft-system'), lease, 'create').message).toMatch(/kubectl create namespace weft-system/);
  });
  it('says which call failed otherwise', () => {
    expect(describeLeaseFailure(new Error('connect ECONNREFUSED'), lease, 'get').message).toBe('cannot get Lease weft-system/weft-operator-leader: connect ECONNREFUSED');
  });
});

/** An apiserver of namespaces and Leases in memory, with the RBAC answers a test asks for. */
function fakeApi(o: { namespaces?: string[]; mayCreateNamespaces?: boolean; leases?: Record<string, KubernetesObject> } = {}) {
  const namespaces = new Set(o.namespaces ?? []);
  const leases = new Map(Object.entries(o.leases ?? {}));
  const calls: string[] = [];
  const key = (obj: KubernetesObject) => `${obj.metadata?.namespace}/${obj.metadata?.name}`;
  const notFound = (what: string) => new ApiError(404, 'NotFound', `${what} not found`);
  const rest = {
    async get(t: ResourceType, name: string, namespace?: string) {
      calls.push(`get ${t.plural} ${namespace ?? ''}/${name}`);
      if (t.plural === 'namespaces') {
        if (namespaces.has(name)) return { metadata: { name } };
        throw notFound(`namespaces "${name}"`);
      }
      const l = leases.get(`${namespace}/${name}`);
      if (!l) throw notFound(`leases "${name}"`);
      return structuredClone(l);
    },
    async create(t: ResourceType, obj: KubernetesObject) {
      calls.push(`create ${t.plural} ${obj.metadata?.name}`);
      if (t.plural === 'namespaces') {
        if (!o.mayCreateNamespaces) throw new ApiError(403, 'Forbidden', 'namespaces is forbidden: User "op" cannot create resource "namespaces"');
        namespaces.add(obj.metadata!.name!);
        return obj;
      }
      if (!namespaces.has(obj.metadata!.namespace!)) throw notFound(`namespaces "${obj.metadata!.namespace}"`);
      const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: '1' } };
      leases.set(key(obj), stored);
      return structuredClone(stored);
    },
    async replace(_t: ResourceType, obj: KubernetesObject) {
      leases.set(key(obj), obj);
      return obj;
    },
  };
  return { rest: rest as unknown as LeaseClient, namespaces, calls };
}

describe('LeaderElector against a fresh cluster', () => {
  const log = () => {
    const entries: Array<{ level: string; msg: string }> = [];
    const at = (level: string) => (_obj: object, msg: string) => entries.push({ level, msg });
    return { entries, logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as unknown as Logger };
  };
  const electors: LeaderElector[] = [];
  const elector = (rest: LeaseClient, logger?: Logger) => {
    const e = new LeaderElector(undefined as never, { namespace: 'weft-fresh', name: 'leader', identity: 'me', retryPeriodMs: 5, rest, log: logger });
    electors.push(e);
    return e;
  };
  afterEach(async () => {
    for (const e of electors.splice(0)) await e.stop({ release: false });
  });

  it('creates the missing namespace when allowed, then leads', async () => {
    const api = fakeApi({ mayCreateNamespaces: true });
    const e = elector(api.rest);
    e.start();
    await eventually(() => expect(e.status()).toEqual({ state: 'leading' }), { timeoutMs: 5_000, intervalMs: 5 });
    expect(api.namespaces.has('weft-fresh')).toBe(true);
  });

  it('when it may not create the namespace: not ready, says the fix, warns once, never claims a leader', async () => {
    const api = fakeApi();
    const l = log();
    const e = elector(api.rest, l.logger);
    e.start();
    await eventually(() => expect(api.calls.filter((c) => c.startsWith('create leases')).length).toBeGreaterThanOrEqual(3), { timeoutMs: 5_000, intervalMs: 5 });
    const s = e.status();
    expect(s.state).toBe('failing');
    const check = leaderCheck(s, e.identity);
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/namespace "weft-fresh" does not exist and this operator may not create it .*: run `kubectl create namespace weft-fresh`, or grant the operator create on namespaces/);
    expect(l.entries.filter((x) => x.level === 'warn')).toHaveLength(1);
    expect(e.isLeader()).toBe(false);

    api.namespaces.add('weft-fresh'); // an admin ran kubectl create namespace
    await eventually(() => expect(e.status()).toEqual({ state: 'leading' }), { timeoutMs: 5_000, intervalMs: 5 });
    expect(l.entries.map((x) => x.msg)).toContain('leader election: the lease is reachable again');
  });

  it('follows only a holder it has seen on the Lease, and names it', async () => {
    const renewTime = microTime(new Date());
    const api = fakeApi({ namespaces: ['weft-fresh'], leases: { 'weft-fresh/leader': { metadata: { name: 'leader', namespace: 'weft-fresh' }, spec: { holderIdentity: 'op-2', renewTime, leaseDurationSeconds: 15 } } as KubernetesObject } });
    const e = elector(api.rest);
    expect(leaderCheck(e.status(), e.identity).ok).toBe(false); // nothing seen yet
    e.start();
    await eventually(() => expect(e.status()).toMatchObject({ state: 'following', holder: 'op-2' }), { timeoutMs: 5_000, intervalMs: 5 });
    expect(leaderCheck(e.status(), e.identity).message).toMatch(/^standby \(me\); op-2 leads/);
  });
});
