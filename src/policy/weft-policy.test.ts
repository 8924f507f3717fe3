import { parseWeftPolicy, tagOwnersOf, unownedTags, WeftPolicyError } from './weft-policy.js';

describe('parseWeftPolicy', () => {
  it('reads quotas (cpu in millicores, memory in bytes), classes and tag owners', () => {
    const p = parseWeftPolicy(`
orgs:
  acme:
    quota: { cpu: "64", memory: 256Gi, gpu: 8, workloads: 100, jobs: 20 }
    classes:
      batch: { cpu: 1500m }
  beta:
tagOwners:
  gpu: [acme]
  zone:eu-1: [acme, beta]
`);
    expect(p.orgs.acme).toEqual({ quota: { cpuMilli: 64_000, memoryBytes: 256 * 2 ** 30, gpu: 8, workloads: 100, jobs: 20 }, classes: { batch: { cpuMilli: 1500 } } });
    expect(p.orgs.beta).toEqual({ quota: {}, classes: {} });
    expect(p.tagOwners).toEqual([{ pattern: 'gpu', orgs: ['acme'] }, { pattern: 'zone:eu-1', orgs: ['acme', 'beta'] }]);
  });

  it.each([undefined, '', '  \n', 'null'])('an empty policy (%p) has no limits', (text) => {
    expect(parseWeftPolicy(text)).toEqual({ orgs: {}, tagOwners: [] });
  });

  it.each([
    ['orgs: [a]', 'orgs', 'mapping of org name'],
    ['quotas: {}', 'quotas', 'unknown field'],
    ['orgs: { Acme: {} }', 'orgs.Acme', 'DNS label'],
    ['orgs: { acme: { quota: { cpu: lots } } }', 'orgs.acme.quota.cpu', 'not a Kubernetes quantity'],
    ['orgs: { acme: { quota: { cpu: "-1" } } }', 'orgs.acme.quota.cpu', 'must not be negative'],
    ['orgs: { acme: { quota: { gpu: 1.5 } } }', 'orgs.acme.quota.gpu', 'whole number'],
    ['orgs: { acme: { quota: { disk: 1 } } }', 'orgs.acme.quota.disk', 'unknown limit'],
    ['orgs: { acme: { limits: {} } }', 'orgs.acme.limits', 'unknown field'],
    ['tagOwners: { "GPU!": [acme] }', 'tagOwners["GPU!"]', 'not a tag'],
    ['tagOwners: { gpu: [] }', 'tagOwners["gpu"]', 'non-empty list'],
    ['orgs: {', '(document)', 'not valid YAML'],
  ])('%s → error at %s', (text, field, message) => {
    let err: unknown;
    try {
      parseWeftPolicy(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeftPolicyError);
    expect((err as WeftPolicyError).field).toBe(field);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).toContain(`weft-policy policy.yaml: ${field}:`);
  });
});

describe('tag ownership', () => {
  const p = parseWeftPolicy('tagOwners: { gpu: [acme], "zone:eu-1": [acme, beta], "ssd": [beta] }');
  it.each([
    ['gpu:a100', ['acme']],
    ['gpu', ['acme']],
    ['zone:eu-1', ['acme', 'beta']],
    ['zone:us-1', undefined],
    ['ssd', ['beta']],
  ])('%s is owned by %p', (tag, owners) => expect(tagOwnersOf(p, tag)).toEqual(owners));

  it('lists the tags an org may not use, with their owners', () => {
    expect(unownedTags(p, 'acme', ['gpu:h100', 'zone:eu-1', 'zone:us-1', 'ssd'])).toEqual([{ tag: 'ssd', owners: ['beta'] }]);
    expect(unownedTags(p, 'gamma', ['gpu:h100'])).toEqual([{ tag: 'gpu:h100', owners: ['acme'] }]);
  });
});
