import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { INVALID_CORPUS } from '../../test/fixtures/invalid-corpus.js';
import { withDefaults } from './defaults.js';
import { assertValid, formatErrors, KINDS, validate, validateObject, ValidationError, type WeftKind } from './validate.js';

const SAMPLES = join(import.meta.dirname, '..', '..', 'config', 'samples');
const samples = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(SAMPLES, f), 'utf8')).map((d, i) => [`${f}#${i}`, d.toJS() as { kind: WeftKind }] as const));

type Obj = Record<string, unknown>;
const base: Record<WeftKind, Obj> = {
  MeshNode: { org: 'acme' },
  OrgCluster: { org: 'acme', provider: 'local' },
  Workload: { org: 'acme', template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  AgentTask: { org: 'acme', repo: { url: 'https://git.example.com/a.git' }, source: { inline: { title: 't' } } },
  Job: { org: 'acme', template: 'ci-runner' },
};
const obj = (kind: WeftKind, spec: Obj = {}, extra: Obj = {}): Obj => ({ apiVersion: 'weft.dev/v1alpha1', kind, metadata: { name: 'x' }, spec: { ...base[kind], ...spec }, ...extra });

describe('validate: the samples', () => {
  it('has at least two samples (minimal and full) of every kind', () => {
    for (const kind of Object.keys(KINDS)) expect({ kind, n: samples.filter(([, o]) => o.kind === kind).length >= 2 }).toEqual({ kind, n: true });
  });

  it.each(samples)('accepts %s, before and after defaulting', (_name, sample) => {
    expect(validate(sample.kind, sample)).toEqual([]);
    expect(validate(sample.kind, withDefaults(sample.kind, sample))).toEqual([]);
  });
});

describe('validate: rejects bad input, naming the field', () => {
  it.each(INVALID_CORPUS.map((c) => [`${c.kind}: ${c.name}`, c] as const))('%s', (_name, c) => {
    const errors = validate(c.kind, c.obj);
    expect(errors.map((e) => e.field)).toContain(c.field);
  });

  it.each<[string, Obj, string, RegExp]>([
    ['a negative quantity', obj('Workload', { resources: { cpu: '-1' } }), 'spec.resources.cpu', /Invalid value: "-1": must match .* \(CPU cores/],
    ['a quantity of the wrong type', obj('Workload', { resources: { memory: true } }), 'spec.resources.memory', /Invalid value: true: must be a quantity: an integer or a string such as "500m"/],
    ['gpuModel without a GPU (CEL twin)', obj('Job', { resources: { gpuModel: 'H100' } }), 'spec.resources.gpuModel', /gpuModel needs gpu of at least 1/],
    ['selector In without values (CEL twin)', obj('Workload', { placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } } }), 'spec.placement.clusterSelector.matchExpressions[0].values', /values must be non-empty for operator In or NotIn/],
    ['selector Exists with values (CEL twin)', obj('Workload', { placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } } }), 'spec.placement.clusterSelector.matchExpressions[0].values', /empty for Exists/],
    ['a talos block for another provider (CEL twin)', obj('OrgCluster', { talos: { endpoints: ['a'] } }), 'spec.talos', /only used with provider "talos"/],
    ['a preferred tag twice (map list)', obj('Workload', { placement: { preferredTags: [{ tag: 'ssd', weight: 1 }, { tag: 'ssd', weight: 9 }] } }), 'spec.placement.preferredTags[1]', /^Duplicate value: {"tag":"ssd"}/],
    ['a condition type twice (map list)', obj('MeshNode', {}, { status: { conditions: [1, 2].map(() => ({ type: 'Ready', status: 'True', reason: 'R', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' })) } }), 'status.conditions[1]', /Duplicate value: {"type":"Ready"}/],
    ['a bad condition reason', obj('MeshNode', {}, { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'not ok', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } }), 'status.conditions[0].reason', /CamelCase/],
    ['a bad time', obj('MeshNode', {}, { status: { lastHeartbeatTime: 'yesterday' } }), 'status.lastHeartbeatTime', /must be a date-time in RFC 3339/],
    ['an unsupported enum value', obj('Job', { template: 'miner' }), 'spec.template', /Unsupported value: "miner": supported values: "ci-runner", "ml-batch", "notebook", "docops", "security-scan"/],
    ['an out-of-range number', obj('AgentTask', { retryPolicy: { maxAttempts: 50 } }), 'spec.retryPolicy.maxAttempts', /Invalid value: 50: must be between 1 and 20/],
    ['a missing field', { ...obj('Workload'), spec: { template: {} } }, 'spec.org', /^Required value \(The organisation that owns this object/],
    ['an unknown field', obj('MeshNode', { hostnmae: 'x' }), 'spec.hostnmae', /Unknown field: remove it or fix its spelling \(known fields: capacityOverride, hostname, labels, org, tags, unschedulable\)/],
    ['a wrong apiVersion', { ...obj('Job'), apiVersion: 'batch/v1' }, 'apiVersion', /Unsupported value: "batch\/v1": supported value: "weft.dev\/v1alpha1"/],
    ['a bad object name', { ...obj('Job'), metadata: { name: 'Nightly_Scan' } }, 'metadata.name', /Invalid value: "Nightly_Scan"/],
    ['no spec at all', { apiVersion: 'weft.dev/v1alpha1', kind: 'Job', metadata: { name: 'x' } }, 'spec', /Required value/],
  ])('%s', (_name, o, field, message) => {
    const errors = validate(o.kind as WeftKind, o);
    const e = errors.find((x) => x.field === field);
    expect({ field: e?.field, errors }).toMatchObject({ field });
    expect(e!.message).toMatch(message);
  });

  it('reports every problem at once, each once', () => {
    const errors = validate('Workload', obj('Workload', { org: 'Acme', priority: 5000, resources: { cpu: 'x' } }));
    expect(errors.map((e) => e.field).sort()).toEqual(['spec.org', 'spec.priority', 'spec.resources.cpu']);
  });
});

describe('validateObject, assertValid, formatErrors', () => {
  it('dispatches on kind and names the kinds there are', () => {
    expect(validateObject(obj('Job'))).toEqual([]);
    expect(validateObject({ kind: 'Pod' })).toEqual([
      { field: 'kind', message: 'Unsupported value: "Pod": supported values: "MeshNode", "OrgCluster", "Workload", "AgentTask", "Job"' },
    ]);
    expect(validateObject(null)[0]!.field).toBe('kind');
  });

  it('assertValid returns the object, or throws a ValidationError that lists the fields', () => {
    const good = obj('Job');
    expect(assertValid('Job', good)).toBe(good);
    const bad = obj('Job', { backoffLimit: -1 });
    expect(() => assertValid('Job', bad)).toThrow(ValidationError);
    expect(() => assertValid('Job', bad)).toThrow(/^Job "x" is invalid: spec.backoffLimit: Invalid value: -1: must be between 0 and 20$/);
  });

  it('formats like the apiserver', () => {
    expect(formatErrors('Workload', 'w', [{ field: 'spec.org', message: 'Required value' }, { field: 'spec.priority', message: 'Invalid value: 1' }])).toBe(
      'Workload "w" is invalid: spec.org: Required value; spec.priority: Invalid value: 1',
    );
  });
});
