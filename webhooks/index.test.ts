import { KINDS } from '../src/api/validate.js';
import { parseWeftPolicy } from '../src/policy/weft-policy.js';
import { UsageLedger } from '../src/policy/quota.js';
import { enabledWebhooks, mutatePath, validatePath, webhookFor, WEBHOOKS } from './index.js';
import { parseFeatureGates } from '../src/config/features.js';
import { mutateAdmission, validateAdmission, type AdmissionRequest } from './review.js';

const req = (kind: string, object: unknown): AdmissionRequest => ({
  uid: 'u',
  kind: { group: 'weft.dev', version: 'v1alpha1', kind },
  operation: 'CREATE',
  name: 'x',
  namespace: 'ns',
  object: object as AdmissionRequest['object'],
});
const ctx = () => ({ policy: () => parseWeftPolicy(''), ledger: new UsageLedger() });

describe('webhooks/index', () => {
  it('has one module per kind, each with default, validateCreate and validateUpdate', () => {
    expect(WEBHOOKS.map((w) => w.kind).sort()).toEqual(Object.keys(KINDS).sort());
    for (const w of WEBHOOKS) {
      expect(typeof w.default).toBe('function');
      expect(typeof w.validateCreate).toBe('function');
      expect(typeof w.validateUpdate).toBe('function');
    }
  });

  it('leaves out the webhook of a kind whose feature gate is off', () => {
    expect(enabledWebhooks(parseFeatureGates('')).map((w) => w.kind)).toEqual(WEBHOOKS.map((w) => w.kind));
    expect(enabledWebhooks(parseFeatureGates('Jobs=false')).map((w) => w.kind)).toEqual(['Workload', 'AgentTask', 'OrgCluster', 'MeshNode']);
    expect(enabledWebhooks(parseFeatureGates('Jobs=false,AgentTasks=false')).map((w) => w.kind)).toEqual(['Workload', 'OrgCluster', 'MeshNode']);
  });

  it('names paths as kubebuilder does', () => {
    expect(validatePath(webhookFor('AgentTask')!)).toBe('/validate-weft-dev-v1alpha1-agenttask');
    expect(mutatePath(webhookFor('MeshNode')!)).toBe('/mutate-weft-dev-v1alpha1-meshnode');
  });

  it('a kind\'s path decides only its own kind', () => {
    const job = { apiVersion: 'weft.dev/v1alpha1', kind: 'Job', metadata: { name: 'x', namespace: 'ns' }, spec: { org: 'acme', template: 'nope' } };
    expect(validateAdmission(req('Job', job), ctx(), webhookFor('Job')).allowed).toBe(false);
    expect(validateAdmission(req('Job', job), ctx(), webhookFor('Workload'))).toEqual({ uid: 'u', allowed: true });
    expect(mutateAdmission(req('Job', job), webhookFor('Workload'))).toEqual({ uid: 'u', allowed: true });
  });

  it('denies an invalid object of every kind with 422 naming the kind', () => {
    for (const w of WEBHOOKS) {
      const r = validateAdmission(req(w.kind, { apiVersion: 'weft.dev/v1alpha1', kind: w.kind, metadata: { name: 'x' }, spec: { bogus: 1 } }), ctx(), w);
      expect(r).toMatchObject({ allowed: false, status: { code: 422, reason: 'Invalid' } });
      expect(r.status!.message).toContain(w.kind);
    }
  });
});
