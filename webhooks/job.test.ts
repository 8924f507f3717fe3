import { parsePolicy } from '../src/policy/acl/index.js';
import { UsageLedger } from '../src/policy/quota.js';
import { parseWeftPolicy } from '../src/policy/weft-policy.js';
import { mutateAdmission, validateAdmission, type AdmissionContext, type AdmissionRequest } from './review.js';

const job = (spec: Record<string, unknown> = {}, name = 'ci') => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'Job',
  metadata: { name, namespace: 'ns' },
  spec: { org: 'acme', template: 'ci-runner', params: { repo: 'http://gitea.local:3000/acme/toy.git' }, ...spec },
});
const req = (object: unknown, over: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  uid: 'u1',
  kind: { group: 'weft.dev', version: 'v1alpha1', kind: 'Job' },
  operation: 'CREATE',
  name: (object as { metadata: { name: string } }).metadata.name,
  namespace: 'ns',
  userInfo: { username: 'alice', groups: [] },
  object: object as AdmissionRequest['object'],
  ...over,
});
const ctx = (policy = '', over: Partial<AdmissionContext> = {}): AdmissionContext => ({ policy: () => parseWeftPolicy(policy), ledger: new UsageLedger(), ...over });

describe('Job admission', () => {
  it('allows a valid ci-runner Job', () => {
    expect(validateAdmission(req(job()), ctx())).toEqual({ uid: 'u1', allowed: true });
  });

  it.each([
    [{ params: { ref: 'main' } }, 'Job ns/ci is invalid: spec.params.repo: required: Clone URL of the repository'],
    [{ params: { repo: 'http://x/a/b.git', colour: 'red' } }, 'spec.params.colour: unknown parameter of template ci-runner; known: format, image, ref, repo, report, setup, statusContext, statusSecret, statusUrl, test'],
    [{ params: { repo: 'http://x/a/b.git', format: 'xml' } }, 'spec.params.format: Unsupported value: "xml": supported values: "auto", "junit", "tap", "text"'],
    [{ params: { repo: 'ftp://x/a/b.git' } }, 'spec.params.repo: Invalid value: "ftp://x/a/b.git": must match'],
    [{ params: { repo: 'http://x/a/b.git', report: '../etc/passwd' } }, 'spec.params.report: Invalid value: "../etc/passwd"'],
    [{ template: 'bogus' }, 'spec.template: Unsupported value: "bogus"'],
    [{ template: 'notebook', params: { repo: 'http://x/a/b.git' } }, 'spec.params.notebook: required'],
  ])('refuses invalid params naming the field: %j', (spec, message) => {
    const r = validateAdmission(req(job(spec)), ctx());
    expect(r).toMatchObject({ allowed: false, status: { code: 422, reason: 'Invalid' } });
    expect(r.status?.message).toContain(message);
  });

  it('tag ownership, quota (the Job counts once) and the ACL apply as for Workloads, with the same messages', () => {
    const tags = validateAdmission(req(job({ placement: { requiredTags: ['gpu:a100'] } })), ctx('tagOwners: { gpu: [beta] }'));
    expect(tags.status?.message).toBe('Job ns/ci: tag "gpu:a100" is owned by org beta; org acme may not use it: remove the tag, or have an admin add acme to tagOwners in the weft-policy ConfigMap');
    const c = ctx('orgs: { acme: { quota: { jobs: 1, gpu: 1 } } }');
    expect(validateAdmission(req(job()), c).allowed).toBe(true);
    expect(c.ledger.usage('acme')).toMatchObject({ jobs: 1, gpu: 0 });
    expect(validateAdmission(req(job({}, 'ci2'), { name: 'ci2' }), c).status?.message).toMatch(/^Job ns\/ci2 exceeds its quota: org acme: jobs/);
    expect(validateAdmission(req(job({ resources: { gpu: 2 } }, 'big'), { name: 'big' }), ctx('orgs: { acme: { quota: { gpu: 1 } } }')).status?.message).toMatch(/gpu 2 requested/);
    const acl = parsePolicy('{ "tagOwners": { "tag:org-acme": ["alice@"] }, "acls": [] }');
    const bob = validateAdmission(req(job(), { userInfo: { username: 'bob' } }), ctx('', { acl: () => acl }));
    expect(bob.status?.message).toMatch(/^Job ns\/ci: user "bob" may not create objects for org acme/);
  });

  it('defaults: the schema\'s (backoffLimit, suspend) and the template\'s params', () => {
    const r = mutateAdmission(req(job()));
    const ops = JSON.parse(Buffer.from(r.patch!, 'base64').toString()) as Array<{ path: string; value: Record<string, unknown> }>;
    const spec = ops.find((o) => o.path === '/spec')?.value;
    expect(spec).toMatchObject({ backoffLimit: 2, suspend: false });
    expect(ops.find((o) => o.path === '/spec/params')?.value).toEqual({
      repo: 'http://gitea.local:3000/acme/toy.git', ref: 'main', setup: '', test: 'node --test', report: '', format: 'auto', statusSecret: '', statusContext: 'weft/ci-runner', statusUrl: '', image: 'localhost/weft-runner:dev',
    });
  });
});
