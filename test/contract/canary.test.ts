/**
 * config/canary (docs/deploy.md "Canary rollout of the operator"): the stable and the canary
 * Deployment run the same pod spec but the image, have disjoint shards, their own webhook Service
 * and webhook configuration name, and disjoint pod selectors.
 */
import { execa } from 'execa';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { toolPath } from '../../src/cluster/tools.js';
import { parseLabelSelector } from '../../src/runtime/selector.js';

const ROOT = join(import.meta.dirname, '..', '..');

type Container = { image: string; args: string[] } & Record<string, unknown>;
type Obj = {
  kind: string;
  metadata: { name: string };
  spec: {
    selector: Record<string, unknown>;
    template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } & Record<string, unknown> };
  };
};

const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe('config/canary', () => {
  let objs: Obj[];
  const deployment = (name: string) => objs.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
  const service = (name: string) => objs.find((o) => o.kind === 'Service' && o.metadata.name === name)!;

  beforeAll(async () => {
    const r = await execa(toolPath('kubectl'), ['kustomize', join(ROOT, 'config', 'canary')]);
    objs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
  });

  it('runs the stable pod spec in the canary, but for the image and its shard flags', () => {
    const stable = deployment('weft-operator').spec.template.spec;
    const canary = deployment('weft-operator-canary').spec.template.spec;
    const strip = (s: typeof stable) => ({ ...s, containers: s.containers.map((c) => ({ ...c, image: '', args: c.args.filter((a) => !/^--(shard|webhook-service|webhook-config-name)=/.test(a)) })) });
    expect(strip(canary)).toEqual(strip(stable));
    expect(canary.containers[0]!.image).toBe('localhost/weft-operator:dev');
  });

  it('gives every object to exactly one of them, each with its own webhook Service and configurations', () => {
    const args = (name: string) => deployment(name).spec.template.spec.containers[0]!.args;
    const stable = parseLabelSelector(flag(args('weft-operator'), 'shard')!);
    const canary = parseLabelSelector(flag(args('weft-operator-canary'), 'shard')!);
    const cases: Array<Record<string, string>> = [{}, { 'weft.dev/canary': 'true' }, { 'weft.dev/canary': 'false' }, { 'weft.dev/canary': '' }, { other: 'x' }];
    for (const labels of cases) {
      expect([stable.matches(labels), canary.matches(labels)].filter(Boolean)).toHaveLength(1);
    }
    // Webhook configurations: "weft" for the stable one, weft-shard-<id> (the default with --shard) for the canary.
    expect(flag(args('weft-operator'), 'webhook-config-name')).toBe('weft');
    expect(flag(args('weft-operator-canary'), 'webhook-config-name')).toBeUndefined();
    for (const name of ['weft-operator', 'weft-operator-canary']) {
      const svc = service(flag(args(name), 'webhook-service')!);
      const own = deployment(name).spec.template.metadata.labels;
      const other = deployment(name === 'weft-operator' ? 'weft-operator-canary' : 'weft-operator').spec.template.metadata.labels;
      const selects = (labels: Record<string, string>) => Object.entries(svc.spec.selector as Record<string, string>).every(([k, v]) => labels[k] === v);
      expect(selects(own)).toBe(true);
      expect(selects(other)).toBe(false);
    }
    expect(deployment('weft-operator').spec.selector).not.toEqual(deployment('weft-operator-canary').spec.selector);
  });
});
