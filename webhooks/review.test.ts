import { parsePolicy } from '../src/policy/acl/index.js';
import { parseWeftPolicy } from '../src/policy/weft-policy.js';
import { UsageLedger } from '../src/policy/quota.js';
import { mutateAdmission, validateAdmission, type AdmissionContext, type AdmissionRequest } from './review.js';
import { webhookConfigurations } from './register.js';

const wl = (spec: Record<string, unknown> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'Workload',
  metadata: { name: 'w', namespace: 'ns', ...(labels ? { labels } : {}) },
  spec: { org: 'acme', template: {}, ...spec },
});
const req = (object: unknown, over: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  uid: 'u1',
  kind: { group: 'weft.dev', version: 'v1alpha1', kind: 'Workload' },
  operation: 'CREATE',
  name: 'w',
  namespace: 'ns',
  userInfo: { username: 'alice', groups: [] },
  object: object as AdmissionRequest['object'],
  ...over,
});
const acl = parsePolicy('{ "groups": { "group:devs": ["carol@"] }, "tagOwners": { "tag:org-acme": ["alice@", "group:devs"] }, "acls": [] }');

function ctx(policy = '', over: Partial<AdmissionContext> = {}): AdmissionContext {
  return { policy: () => parseWeftPolicy(policy), ledger: new UsageLedger(), ...over };
}

describe('validateAdmission', () => {
  it('allows a valid Workload and counts it at once (not on dry run)', () => {
    const c = ctx();
    expect(validateAdmission(req(wl({ resources: { gpu: 2 } })), c)).toEqual({ uid: 'u1', allowed: true });
    expect(c.ledger.usage('acme').gpu).toBe(2);
    validateAdmission(req({ ...wl({ resources: { gpu: 2 } }), metadata: { name: 'd', namespace: 'ns' } }, { name: 'd', dryRun: true }), c);
    expect(c.ledger.usage('acme').gpu).toBe(2);
  });

  it('denies a schema violation naming the field', () => {
    const r = validateAdmission(req(wl({ resources: { cpu: 'lots' } })), ctx());
    expect(r).toMatchObject({ allowed: false, status: { code: 422, reason: 'Invalid' } });
    expect(r.status?.message).toContain('spec.resources.cpu');
  });

  it('denies over quota with the numbers, and a burst cannot slip past between cache updates', () => {
    const c = ctx('orgs: { acme: { quota: { gpu: 8 } } }');
    for (const n of ['a', 'b', 'c']) expect(validateAdmission(req({ ...wl({ resources: { gpu: 2 } }), metadata: { name: n, namespace: 'ns' } }, { name: n }), c).allowed).toBe(true);
    const r = validateAdmission(req({ ...wl({ resources: { gpu: 4 } }), metadata: { name: 'd', namespace: 'ns' } }, { name: 'd' }), c);
    expect(r.allowed).toBe(false);
    expect(r.status?.message).toBe('Workload ns/d exceeds its quota: org acme: gpu 4 requested, 6 of 8 used; free some capacity or ask an admin to raise the quota in the weft-policy ConfigMap');
  });

  it('an update that does not change resources is not re-checked against the quota', () => {
    const c = ctx('orgs: { acme: { quota: { gpu: 2 } } }');
    c.ledger.observe('Workload/ns/w', { kind: 'Workload', org: 'acme', cpuMilli: 100, memoryBytes: 128 * 2 ** 20, gpu: 2 });
    const obj = wl({ resources: { gpu: 2 } });
    expect(validateAdmission(req({ ...obj, metadata: { ...obj.metadata, labels: { x: 'y' } } }, { operation: 'UPDATE', oldObject: obj as never }), c).allowed).toBe(true);
    expect(validateAdmission(req(wl({ resources: { gpu: 3 } }), { operation: 'UPDATE', oldObject: obj as never }), c).status?.message).toContain('gpu 3 requested, 0 of 2 used');
  });

  it.each([
    ['Workload', wl({ placement: { requiredTags: ['gpu:a100'] } })],
    ['Workload', wl({ placement: { preferredTags: [{ tag: 'gpu:a100', weight: 5 }] } })],
    ['MeshNode', { apiVersion: 'weft.dev/v1alpha1', kind: 'MeshNode', metadata: { name: 'n' }, spec: { org: 'acme', tags: ['gpu:a100'] } }],
  ])('denies a %s using a tag owned by another org', (kind, obj) => {
    const r = validateAdmission(req(obj, { kind: { group: 'weft.dev', version: 'v1alpha1', kind }, namespace: kind === 'MeshNode' ? undefined : 'ns', name: (obj.metadata as { name: string }).name }), ctx('tagOwners: { gpu: [beta] }'));
    expect(r).toMatchObject({ allowed: false, status: { code: 403 } });
    expect(r.status?.message).toContain('tag "gpu:a100" is owned by org beta; org acme may not use it');
  });

  it('an update keeping an already-present tag is allowed even if ownership changed since', () => {
    const obj = wl({ placement: { requiredTags: ['gpu:a100'] } });
    expect(validateAdmission(req(obj, { operation: 'UPDATE', oldObject: obj as never }), ctx('tagOwners: { gpu: [beta] }')).allowed).toBe(true);
  });

  it.each([
    ['alice', [], true],
    ['carol', [], true],
    ['bob', [], false],
    ['root', ['system:masters'], true],
  ])('ACL: %s (groups %p) may create for org acme: %p', (username, groups, allowed) => {
    const c = ctx('', { acl: () => acl, aclExempt: (u) => (u.groups ?? []).includes('system:masters') });
    const r = validateAdmission(req(wl(), { userInfo: { username, groups } }), c);
    expect(r.allowed).toBe(allowed);
    if (!allowed) expect(r.status?.message).toBe(`Workload ns/w: user "bob" may not create objects for org acme: the tailnet ACL policy lets the owners of tag:org-acme in the ACL policy's tagOwners do so; add "bob@" (or a group of theirs) to tagOwners["tag:org-acme"]`);
  });

  it('ACL: an org without an owner tag says so', () => {
    const r = validateAdmission(req(wl({ org: 'zeta' })), ctx('', { acl: () => acl }));
    expect(r.status?.message).toContain('nobody: tag:org-zeta has no entry');
  });

  it('refuses (retryably) until its caches are synced', () => {
    expect(validateAdmission(req(wl()), ctx('', { ready: () => false }))).toMatchObject({ allowed: false, status: { code: 503 } });
  });

  it('ignores kinds and operations it does not handle', () => {
    expect(validateAdmission(req({}, { kind: { group: '', version: 'v1', kind: 'Pod' } }), ctx()).allowed).toBe(true);
    expect(validateAdmission(req(wl(), { operation: 'DELETE' }), ctx()).allowed).toBe(true);
  });
});

describe('mutateAdmission', () => {
  const patchOf = (r: ReturnType<typeof mutateAdmission>) => JSON.parse(Buffer.from(r.patch ?? 'W10=', 'base64').toString()) as unknown[];
  it('fills defaults and adds the org label', () => {
    const r = mutateAdmission(req(wl()));
    expect(r.patchType).toBe('JSONPatch');
    expect(patchOf(r)).toEqual([
      { op: 'replace', path: '/spec', value: { org: 'acme', template: {}, resources: { cpu: '100m', memory: '128Mi', gpu: 0 }, priority: 0 } },
      { op: 'add', path: '/metadata/labels', value: { 'weft.dev/org': 'acme' } },
      { op: 'add', path: '/metadata/finalizers', value: ['weft.dev/workload-cleanup'] },
    ]);
  });
  it('adds the label next to existing ones (escaped path), and patches nothing when all is there', () => {
    const r = mutateAdmission(req(wl({ resources: { cpu: '100m', memory: '128Mi', gpu: 0 }, priority: 0 }, { app: 'x' }), { operation: 'UPDATE' }));
    expect(patchOf(r)).toEqual([{ op: 'add', path: '/metadata/labels/weft.dev~1org', value: 'acme' }]);
    expect(mutateAdmission(req(wl({ resources: { cpu: '100m', memory: '128Mi', gpu: 0 }, priority: 0 }, { 'weft.dev/org': 'acme' }), { operation: 'UPDATE' }))).toEqual({ uid: 'u1', allowed: true });
    const withFinalizers = { ...wl({ resources: { cpu: '100m', memory: '128Mi', gpu: 0 }, priority: 0 }, { 'weft.dev/org': 'acme' }), metadata: { name: 'w', namespace: 'ns', labels: { 'weft.dev/org': 'acme' }, finalizers: ['other'] } };
    expect(patchOf(mutateAdmission(req(withFinalizers)))).toEqual([{ op: 'add', path: '/metadata/finalizers/-', value: 'weft.dev/workload-cleanup' }]);
  });
});

describe('webhookConfigurations', () => {
  it('Fail, None, a timeout, the CA bundle, one hook per kind; URL or Service', () => {
    const [mut, val] = webhookConfigurations({ endpoint: { url: 'https://127.0.0.1:9443/' }, caPem: 'PEM' });
    expect(mut!.body.kind).toBe('MutatingWebhookConfiguration');
    const hooks = val!.body.webhooks as Array<Record<string, unknown>>;
    expect(hooks.map((h) => h.name)).toEqual(['workloads.validate.weft.dev', 'jobs.validate.weft.dev', 'agenttasks.validate.weft.dev', 'orgclusters.validate.weft.dev', 'meshnodes.validate.weft.dev']);
    expect(hooks[0]).toMatchObject({ failurePolicy: 'Fail', sideEffects: 'None', timeoutSeconds: 5, clientConfig: { url: 'https://127.0.0.1:9443/validate-weft-dev-v1alpha1-workload', caBundle: Buffer.from('PEM').toString('base64') } });
    const [, svc] = webhookConfigurations({ endpoint: { service: { namespace: 'weft-system', name: 'weft-webhook' } }, caPem: 'PEM', name: 'x' });
    expect((svc!.body.webhooks as Array<{ clientConfig: unknown }>)[0]!.clientConfig).toMatchObject({ service: { namespace: 'weft-system', name: 'weft-webhook', port: 443, path: '/validate-weft-dev-v1alpha1-workload' } });
  });
});
