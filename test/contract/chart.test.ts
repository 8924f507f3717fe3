/**
 * The two installs of issue 21 render the same objects: `kubectl kustomize config/default` and
 * `helm template charts/weft` (the chart is generated from the former by src/operator/manifests.ts).
 * Also: the committed chart and webhook manifests are what the generator writes now, and the chart's
 * values reach the Deployment.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { cacheDir, readVersionsEnv, toolPath } from '../../src/cluster/tools.js';
import { chartFiles, webhookManifestsYaml, type Manifest } from '../../src/operator/manifests.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'charts', 'weft');

function helmPath(): string {
  const path = process.env.WEFT_BIN_DIR ? join(process.env.WEFT_BIN_DIR, 'helm') : join(cacheDir(), 'bin', `helm-${readVersionsEnv().HELM_VERSION}`, 'helm');
  if (!existsSync(path)) throw new Error(`helm not found at ${path}: build it with \`bash hack/build-tools.sh helm\` (npm run tools)`);
  return path;
}

function parse(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((o): o is Manifest => o !== null);
}

async function kustomize(): Promise<Manifest[]> {
  const r = await execa(toolPath('kubectl'), ['kustomize', join(ROOT, 'config', 'default')]);
  return parse(r.stdout);
}

async function helmTemplate(values?: Record<string, unknown>): Promise<Manifest[]> {
  const args = ['template', 'weft', CHART, '--namespace', 'weft-system', '--include-crds'];
  if (values) {
    const file = join(mkdtempSync(join(tmpdir(), 'weft-chart-')), 'values.yaml');
    writeFileSync(file, JSON.stringify(values));
    args.push('--values', file);
  }
  const r = await execa(helmPath(), args, { env: { HELM_CACHE_HOME: join(tmpdir(), 'weft-helm-cache'), HELM_CONFIG_HOME: join(tmpdir(), 'weft-helm-config') } });
  return parse(r.stdout);
}

/** Objects keyed by kind/namespace/name, without the label each tool sets to its own name. */
function normalized(objs: Manifest[]): Record<string, Manifest> {
  const out: Record<string, Manifest> = {};
  for (const o of objs) {
    const copy = structuredClone(o);
    delete copy.metadata.labels?.['app.kubernetes.io/managed-by'];
    out[`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`] = copy;
  }
  return out;
}

type Deployment = { spec: { replicas: number; template: { spec: { containers: Array<{ image: string; args: string[]; resources: unknown }> } } } };
const operatorDeployment = (objs: Manifest[]) => objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'weft-operator') as unknown as Deployment;

describe('charts/weft and config/default', () => {
  it('render the same objects with the default values', async () => {
    const [fromKustomize, fromHelm] = await Promise.all([kustomize(), helmTemplate()]);
    expect(Object.keys(normalized(fromHelm)).sort()).toEqual(Object.keys(normalized(fromKustomize)).sort());
    expect(normalized(fromHelm)).toEqual(normalized(fromKustomize));
    // The list: CRDs, RBAC, the Deployment, PDB, the webhook Service and configurations, metrics.
    const kinds = new Set(fromKustomize.map((o) => o.kind));
    for (const k of ['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount', 'Deployment', 'PodDisruptionBudget', 'Service', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'Namespace']) {
      expect(kinds).toContain(k);
    }
    const dep = operatorDeployment(fromKustomize);
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.template.spec.containers[0]!.args).toContain('--webhook-service=weft-operator');
  });

  it('puts the image, replicas, resources, feature gates, shard and namespace from the values', async () => {
    const objs = await helmTemplate({
      image: { repository: 'registry.example.com/weft-operator', tag: 'v9.9.9' },
      replicas: 3,
      resources: { requests: { cpu: '200m' } },
      featureGates: { Jobs: false, AgentTasks: true },
      shard: 'weft.dev/canary=true',
      extraArgs: ['--log-level=debug'],
      createNamespace: false,
    });
    const c = operatorDeployment(objs).spec.template.spec.containers[0]!;
    expect(operatorDeployment(objs).spec.replicas).toBe(3);
    expect(c.image).toBe('registry.example.com/weft-operator:v9.9.9');
    // Helm merges maps with the defaults: only the request given changes.
    expect(c.resources).toEqual({ requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(c.args.slice(-3)).toEqual(['--feature-gates=AgentTasks=true,Jobs=false', '--shard=weft.dev/canary=true', '--log-level=debug']);
    expect(objs.some((o) => o.kind === 'Namespace')).toBe(false);
  });

  it('passes helm lint', async () => {
    const r = await execa(helmPath(), ['lint', CHART, '--namespace', 'weft-system'], { reject: false, env: { HELM_CACHE_HOME: join(tmpdir(), 'weft-helm-cache'), HELM_CONFIG_HOME: join(tmpdir(), 'weft-helm-config') } });
    expect(r.stderr + r.stdout).toContain('0 chart(s) failed');
  });

  it('is what `npm run generate` writes now (chart and webhook manifests)', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const f of chartFiles(await kustomize(), version)) {
      expect({ path: f.path, text: readFileSync(join(CHART, f.path), 'utf8') }).toEqual({ path: f.path, text: f.text });
    }
    expect(readFileSync(join(ROOT, 'config', 'webhook', 'manifests.yaml'), 'utf8')).toBe(webhookManifestsYaml());
  });
});
