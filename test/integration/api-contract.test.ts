import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HttpMethod, type KubernetesObject } from '@kubernetes/client-node';
import { KINDS, validate, type WeftKind } from '../../src/api/validate.js';
import { resourcePath, RestClient } from '../../src/runtime/rest.js';
import { AGENTTASKS, JOBS, MESHNODES, ORGCLUSTERS, WORKLOADS } from '../../src/api/resources.js';
import { controlPlane, createNamespace, deleteNamespace, kubectl } from '../harness/index.js';
import { INVALID_CORPUS } from '../fixtures/invalid-corpus.js';

const SAMPLES = join(import.meta.dirname, '..', '..', 'config', 'samples');
const SAMPLE_FILES = readdirSync(SAMPLES).filter((x) => x !== 'kustomization.yaml').flatMap((f) => ['-f', join(SAMPLES, f)]);
const TYPES = { MeshNode: MESHNODES, OrgCluster: ORGCLUSTERS, Workload: WORKLOADS, AgentTask: AGENTTASKS, Job: JOBS } as const;

describe('the five CRDs on the real apiserver', () => {
  let kubeconfig: string;
  let rest: RestClient;
  let ns: string;

  beforeAll(async () => {
    const cp = await controlPlane();
    kubeconfig = cp.kubeconfigPath;
    rest = new RestClient(cp.kubeConfig());
    ns = await createNamespace(cp.kubeConfig(), 'api');
  });
  afterAll(async () => deleteNamespace((await controlPlane()).kubeConfig(), ns));

  it('are installed and Established', async () => {
    const r = await kubectl(kubeconfig, ['get', 'crd', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}']);
    for (const plural of ['meshnodes', 'orgclusters', 'workloads', 'agenttasks', 'jobs']) expect(r.stdout).toContain(`${plural}.weft.dev=True`);
  });

  it('every sample applies with server-side apply, and re-applying changes nothing', async () => {
    const first = await kubectl(kubeconfig, ['apply', '--server-side', '-n', ns, ...SAMPLE_FILES]);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    const before = await kubectl(kubeconfig, ['get', 'weft', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}']);
    const again = await kubectl(kubeconfig, ['apply', '--server-side', '-n', ns, ...SAMPLE_FILES]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout.split('\n').filter(Boolean).every((l) => l.endsWith('serverside-applied'))).toBe(true);
    const after = await kubectl(kubeconfig, ['get', 'weft', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}']);
    expect(after.stdout).toBe(before.stdout); // no resourceVersion moved: defaults are stable, no field fights
  });

  it('every sample is also valid for the ajv validator', () => {
    for (const f of readdirSync(SAMPLES).filter((x) => x !== 'kustomization.yaml')) {
      const obj = parse(readFileSync(join(SAMPLES, f), 'utf8')) as KubernetesObject;
      expect({ f, errors: validate(obj.kind as WeftKind, obj) }).toEqual({ f, errors: [] });
    }
  });

  it('kubectl get shows the printer columns, and `kubectl get weft` lists all five kinds', async () => {
    const mn = await kubectl(kubeconfig, ['get', 'meshnodes']);
    expect(mn.stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+ORG\s+CPU\s+MEMORY\s+GPUS\s+AGE/);
    const oc = await kubectl(kubeconfig, ['get', 'oc', '-n', ns]);
    expect(oc.stdout.split('\n')[0]).toMatch(/^NAME\s+ORG\s+PROVIDER\s+READY\s+VERSION\s+NODES\s+AGE/);
    const wl = await kubectl(kubeconfig, ['get', 'wl', '-n', ns, '-o', 'wide']);
    expect(wl.stdout.split('\n')[0]).toMatch(/^NAME\s+ORG\s+PHASE\s+CLUSTER\s+NODE\s+SCORE\s+AGE/);
    const all = await kubectl(kubeconfig, ['get', 'weft', '-A', '-o', 'name']);
    for (const kind of ['meshnode', 'orgcluster', 'workload', 'agenttask', 'job']) expect(all.stdout).toMatch(new RegExp(`^${kind}\\.weft\\.dev/`, 'm'));
  });

  it('kubectl explain prints the schema descriptions', async () => {
    const r = await kubectl(kubeconfig, ['explain', 'workload.spec.placement']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Where the object may and should run.');
    expect(r.stdout).toMatch(/requiredTags\s+<\[\]string>/);
    expect(r.stdout).toContain('Tags every candidate node or cluster must carry.');
  });

  it(`rejects each of the ${INVALID_CORPUS.length} invalid manifests, naming the field — and ajv agrees`, async () => {
    expect(INVALID_CORPUS.length).toBeGreaterThanOrEqual(40);
    const disagreements: string[] = [];
    for (const c of INVALID_CORPUS) {
      const type = TYPES[c.kind];
      const obj = { ...c.obj, metadata: { ...(c.obj.metadata as object), ...(type.namespaced ? { namespace: ns } : {}) } };
      let apiMessage = '';
      try {
        await rest.request(HttpMethod.POST, resourcePath(type, type.namespaced ? ns : undefined), { body: obj, query: { dryRun: 'All', fieldValidation: 'Strict' } });
      } catch (err) {
        apiMessage = (err as Error).message;
      }
      const ajvErrors = validate(c.kind, obj);
      if (!apiMessage.includes(c.field)) disagreements.push(`${c.kind} "${c.name}": apiserver said ${apiMessage ? JSON.stringify(apiMessage) : 'OK (accepted)'}; expected ${c.field}`);
      if (!ajvErrors.some((e) => e.field === c.field)) disagreements.push(`${c.kind} "${c.name}": ajv said ${JSON.stringify(ajvErrors)}; expected ${c.field}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('knows every kind', () => expect(Object.keys(KINDS).sort()).toEqual(Object.keys(TYPES).sort()));
});
