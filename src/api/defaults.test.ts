import { isAgentTask, newAgentTask } from './agenttask/index.js';
import { withDefaults } from './defaults.js';
import { isJob, newJob } from './job/index.js';
import { isMeshNode, newMeshNode } from './meshnode/index.js';
import { isOrgCluster, newOrgCluster } from './orgcluster/index.js';
import { validate } from './validate.js';
import { isWorkload, newWorkload } from './workload/index.js';

const template = { spec: { containers: [{ name: 'c', image: 'busybox' }] } };

describe('withDefaults (the apiserver defaulting rules)', () => {
  it.each<[string, Parameters<typeof withDefaults>[0], Record<string, unknown>, Record<string, unknown>]>([
    ['fills absent fields', 'MeshNode', { org: 'acme' }, { org: 'acme', unschedulable: false }],
    ['keeps what is set', 'MeshNode', { org: 'acme', unschedulable: true }, { org: 'acme', unschedulable: true }],
    ['defaults an absent object that has a default, then inside it', 'Workload', { org: 'a', template }, { org: 'a', template, priority: 0, resources: { cpu: '100m', memory: '128Mi', gpu: 0 } }],
    ['fills inside a present object', 'Workload', { org: 'a', template, resources: { cpu: 2 } }, { org: 'a', template, priority: 0, resources: { cpu: 2, memory: '128Mi', gpu: 0 } }],
    ['leaves an absent object without a default absent', 'Workload', { org: 'a', template, priority: 1 }, { org: 'a', template, priority: 1, resources: { cpu: '100m', memory: '128Mi', gpu: 0 } }],
    ['fills list items', 'Workload', { org: 'a', template, placement: { spread: { topologyKey: 'zone' } } }, { placement: { spread: { topologyKey: 'zone', maxSkew: 1 } } }],
    ['does not touch free-form fields', 'Workload', { org: 'a', template: { spec: { priority: 7 } } }, { template: { spec: { priority: 7 } } }],
  ])('%s', (_name, kind, spec, want) => {
    const obj = { apiVersion: 'weft.dev/v1alpha1', kind, metadata: { name: 'x' }, spec };
    const frozen = JSON.stringify(obj);
    expect(withDefaults(kind, obj).spec).toMatchObject(want);
    expect(JSON.stringify(obj)).toBe(frozen);
  });

  it('is idempotent', () => {
    const once = withDefaults('AgentTask', newAgentTask({ name: 'x' }, { org: 'a', repo: { url: 'https://x/y.git' }, source: { inline: { title: 't' } } }));
    expect(withDefaults('AgentTask', once)).toEqual(once);
  });
});

describe('constructors', () => {
  it('build valid objects with apiVersion, kind and defaults', () => {
    const at = newAgentTask({ name: 'fix', namespace: 'acme' }, { org: 'acme', repo: { url: 'https://git.example.com/a.git' }, source: { inline: { title: 'Fix it' } } });
    expect(at.spec).toMatchObject({ repo: { baseBranch: 'main' }, retryPolicy: { maxAttempts: 3, backoffSeconds: 60 }, review: { iterateOnComments: true }, agent: { driver: 'weft-agent', codeServer: false } });
    const objects = [
      at,
      newMeshNode({ name: 'box-1' }, { org: 'acme' }),
      newOrgCluster({ name: 'dev', namespace: 'acme' }, { org: 'acme', provider: 'local' }),
      newWorkload({ name: 'w', namespace: 'acme' }, { org: 'acme', template }),
      newJob({ name: 'j', namespace: 'acme' }, { org: 'acme', template: 'ci-runner' }),
    ];
    for (const o of objects) expect({ kind: o.kind, errors: validate(o.kind, o) }).toEqual({ kind: o.kind, errors: [] });
    expect(objects.map((o) => o.apiVersion)).toEqual(Array(5).fill('weft.dev/v1alpha1'));
  });

  it('have type guards by apiVersion and kind', () => {
    const mn = newMeshNode({ name: 'box-1' }, { org: 'acme' });
    expect([isMeshNode(mn), isOrgCluster(mn), isWorkload(mn), isAgentTask(mn), isJob(mn)]).toEqual([true, false, false, false, false]);
    expect(isJob({ apiVersion: 'batch/v1', kind: 'Job' })).toBe(false);
    expect(isJob(null)).toBe(false);
  });
});
