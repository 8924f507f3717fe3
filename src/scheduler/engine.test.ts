import { hasTag } from '../api/common/tags.js';
import { PlacementEngine, UNRESOLVED_GPU_MODEL } from './engine.js';
import { selectorMismatch } from './explain.js';
import type { ClusterInfo, Decision, FilterName, NodeInfo, PlacementRequest } from './types.js';

const Gi = 2 ** 30;

type NodeOpts = Partial<Omit<NodeInfo, 'allocatable'>> & { cpu?: number; memGi?: number; gpus?: Record<string, number> };
/** A node of org acme, Ready, 8 cores, 32Gi, no GPUs unless told. */
function node(name: string, o: NodeOpts = {}): NodeInfo {
  const { cpu = 8, memGi = 32, gpus = {}, ...rest } = o;
  return { name, org: 'acme', tags: [], ready: true, unschedulable: false, allocatable: { cpuMilli: cpu * 1000, memoryBytes: memGi * Gi, gpus }, ...rest };
}

/** A reachable cluster of org acme. */
function cluster(id: string, hosts: string[], o: Partial<ClusterInfo> = {}): ClusterInfo {
  return { id, org: 'acme', tags: [], labels: {}, reachable: true, hosts, ...o };
}

/** A request of org acme for 1 core and 1Gi. */
function req(id: string, o: Partial<PlacementRequest> = {}): PlacementRequest {
  return { id, org: 'acme', cpuMilli: 1000, memoryBytes: Gi, gpu: 0, requiredTags: [], preferredTags: [], avoid: [], ...o };
}

function engineWith(nodes: NodeInfo[], clusters: ClusterInfo[]): PlacementEngine {
  const e = new PlacementEngine();
  nodes.forEach((n) => e.setNode(n));
  clusters.forEach((c) => e.setCluster(c));
  return e;
}

/** One node in one cluster: the place to test one filter. */
function single(n: NodeOpts = {}, c: Partial<ClusterInfo> = {}): PlacementEngine {
  return engineWith([node('n1', n)], [cluster('acme/prod', ['n1'], c)]);
}

const onlyRejection = (d: Decision) => {
  expect(d.placed).toBe(false);
  expect(d.rejected).toHaveLength(1);
  return d.rejected[0]!;
};

/** A small seeded PRNG (mulberry32), so that property-style loops are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('filters: exact reasons', () => {
  const bound = (e: PlacementEngine) => {
    e.bind(req('acme/busy', { cpuMilli: 5500, memoryBytes: 30 * Gi }), 'acme/prod', 'n1');
    return e;
  };
  it.each<[string, () => PlacementEngine, Partial<PlacementRequest>, FilterName, string, string]>([
    ['unreachable cluster', () => single({}, { reachable: false }), {}, 'ClusterUnreachable', 'acme/prod', 'needs Reachable=True, cluster is not reachable (Reachable condition not True)'],
    ['cluster selector', () => single({}, { labels: { env: 'dev' } }), { clusterSelector: { matchLabels: { env: 'prod' } } }, 'ClusterSelector', 'acme/prod', 'needs label env=prod, has env=dev'],
    ['avoided cluster', () => single(), { avoid: ['acme/prod'] }, 'ClusterAvoided', 'acme/prod', 'cluster acme/prod is listed in spec.placement.avoid'],
    ['missing MeshNode', () => engineWith([], [cluster('acme/prod', ['n1'])]), {}, 'NodeMissing', 'acme/prod@n1', 'no MeshNode n1 (listed in spec.hosts of acme/prod)'],
    ['node of another org', () => single({ org: 'beta' }), {}, 'NodeOrg', 'acme/prod@n1', 'node belongs to org beta, needs org acme'],
    ['avoided node', () => single(), { avoid: ['n1'] }, 'NodeAvoided', 'acme/prod@n1', 'node n1 is listed in spec.placement.avoid'],
    ['node not Ready', () => single({ ready: false }), {}, 'NodeNotReady', 'acme/prod@n1', 'needs Ready=True, node is not Ready (no fresh heartbeat)'],
    ['cordoned node', () => single({ unschedulable: true }), {}, 'NodeCordoned', 'acme/prod@n1', 'node is cordoned (spec.unschedulable: true)'],
    ['missing tags', () => single({ tags: ['gpu:t4', 'zone:eu-1'] }, { tags: ['tier:prod'] }), { requiredTags: ['gpu:a100', 'zone', 'ssd'] }, 'RequiredTags', 'acme/prod@n1', 'missing tags gpu:a100, ssd; node and cluster have gpu:t4, tier:prod, zone:eu-1'],
    ['no tags at all', () => single(), { requiredTags: ['ssd'] }, 'RequiredTags', 'acme/prod@n1', 'missing tags ssd; node and cluster have (none)'],
    ['cpu', () => bound(single()), { cpuMilli: 4000 }, 'InsufficientCPU', 'acme/prod@n1', 'needs cpu 4, node has 2.5 free of 8'],
    ['memory', () => bound(single()), { cpuMilli: 100, memoryBytes: 4 * Gi }, 'InsufficientMemory', 'acme/prod@n1', 'needs memory 4Gi, node has 2Gi free of 32Gi'],
    ['gpu model', () => single({ gpus: { 'NVIDIA T4': 4 } }), { gpu: 1, gpuModel: 'h100' }, 'GPUModel', 'acme/prod@n1', 'needs gpu model h100, has NVIDIA T4'],
    ['gpu model, no GPUs', () => single(), { gpu: 1, gpuModel: 'a100' }, 'GPUModel', 'acme/prod@n1', 'needs gpu model a100, has no GPUs'],
    ['gpu count', () => single({ gpus: { 'NVIDIA H100 80GB HBM3': 1 } }), { gpu: 2, gpuModel: 'H100' }, 'InsufficientGPU', 'acme/prod@n1', 'needs gpu 2, node has 1 free of 1 NVIDIA H100 80GB HBM3'],
    ['no GPUs', () => single(), { gpu: 1 }, 'InsufficientGPU', 'acme/prod@n1', 'needs gpu 1, node has no GPUs'],
    ['GPUs split over models', () => single({ gpus: { 'NVIDIA T4': 2, 'NVIDIA L4': 2 } }), { gpu: 3 }, 'InsufficientGPU', 'acme/prod@n1', 'needs gpu 3 from one model, node has 2 free of 2 NVIDIA L4, 2 free of 2 NVIDIA T4'],
    ['spread key missing', () => single(), { spread: { topologyKey: 'zone', maxSkew: 1 } }, 'SpreadSkew', 'acme/prod@n1', 'needs a zone tag to spread over zone, node and cluster have none'],
  ])('%s', (_name, setup, over, filter, candidate, reason) => {
    expect(onlyRejection(setup().evaluate(req('acme/w', over)))).toEqual({ candidate, filter, reason });
  });

  it('applies the filters in order: the first failing one is reported', () => {
    const e = single({ ready: false, unschedulable: true, cpu: 1 });
    expect(onlyRejection(e.evaluate(req('acme/w', { cpuMilli: 4000, avoid: ['n1'] }))).filter).toBe('NodeAvoided');
    expect(onlyRejection(e.evaluate(req('acme/w', { cpuMilli: 4000 }))).filter).toBe('NodeNotReady');
  });
});

describe('required tags', () => {
  it.each<[string, string[], string[], string[], boolean]>([
    ['bare key matches any value', ['gpu:a100'], [], ['gpu'], true],
    ['key:* matches any value', ['gpu:t4'], [], ['gpu:*'], true],
    ['key:* matches a bare key', ['gpu'], [], ['gpu:*'], true],
    ['exact value', ['gpu:a100'], [], ['gpu:a100'], true],
    ['other value', ['gpu:t4'], [], ['gpu:a100'], false],
    ['exact does not match a bare key', ['gpu'], [], ['gpu:a100'], false],
    ['cluster tags count', [], ['ssd'], ['ssd'], true],
    ['node and cluster together', ['ssd'], ['zone:eu-1'], ['ssd', 'zone:eu-1'], true],
    ['one of two missing', ['ssd'], [], ['ssd', 'zone:eu-1'], false],
    ['other key', ['ssd'], [], ['gpu'], false],
  ])('%s', (_name, nodeTags, clusterTags, required, fits) => {
    const d = single({ tags: nodeTags }, { tags: clusterTags }).evaluate(req('acme/w', { requiredTags: required }));
    expect(d.placed).toBe(fits);
    // Same answer as the shared tag helper on node ∪ cluster tags.
    expect(required.every((t) => hasTag([...nodeTags, ...clusterTags], t))).toBe(fits);
  });
});

describe('GPUs', () => {
  it.each<[string, Record<string, number>, Partial<PlacementRequest>, string | undefined]>([
    ['model by case-insensitive substring', { 'NVIDIA H100 80GB HBM3': 8 }, { gpu: 2, gpuModel: 'h100' }, 'NVIDIA H100 80GB HBM3'],
    ['first model in sorted order', { 'NVIDIA T4': 2, 'NVIDIA A100 40GB': 2 }, { gpu: 2 }, 'NVIDIA A100 40GB'],
    ['first model with enough free', { 'NVIDIA A100 40GB': 1, 'NVIDIA A100 80GB': 4 }, { gpu: 2, gpuModel: 'a100' }, 'NVIDIA A100 80GB'],
    ['all from one group, never summed', { 'NVIDIA A100 40GB': 1, 'NVIDIA A100 80GB': 1 }, { gpu: 2, gpuModel: 'a100' }, undefined],
  ])('%s', (_name, gpus, over, model) => {
    const e = single({ gpus });
    const d = e.place(req('acme/w', over));
    expect(d.placed).toBe(model !== undefined);
    if (model) expect(e.allocated('n1').gpus).toEqual({ [model]: over.gpu });
  });

  it('counts GPUs per node, not per cluster: two nodes with one GPU each cannot take two', () => {
    const e = engineWith([node('n1', { gpus: { T4: 1 } }), node('n2', { gpus: { T4: 1 } })], [cluster('acme/prod', ['n1', 'n2'])]);
    const d = e.evaluate(req('acme/w', { gpu: 2 }));
    expect(d.message).toBe('0/2 candidates available: 2 InsufficientGPU.');
  });

  it('unbind returns the GPUs to the group they came from', () => {
    const e = single({ gpus: { 'NVIDIA A100 40GB': 1, 'NVIDIA A100 80GB': 4 } });
    e.place(req('acme/a', { gpu: 1, gpuModel: 'a100' }));
    e.place(req('acme/b', { gpu: 3, gpuModel: 'a100' }));
    expect(e.allocated('n1').gpus).toEqual({ 'NVIDIA A100 40GB': 1, 'NVIDIA A100 80GB': 3 });
    e.unbind('acme/b');
    expect(e.free('n1').gpus).toEqual({ 'NVIDIA A100 40GB': 0, 'NVIDIA A100 80GB': 4 });
  });
});

describe('resources fit on one node', () => {
  it('rejects when only the cluster sum would fit', () => {
    const nodes = ['n1', 'n2', 'n3'].map((n) => node(n, { cpu: 2, memGi: 4 }));
    const e = engineWith(nodes, [cluster('acme/prod', ['n1', 'n2', 'n3'])]);
    expect(e.evaluate(req('acme/w', { cpuMilli: 4000 })).message).toBe('0/3 candidates available: 3 InsufficientCPU.');
    expect(e.evaluate(req('acme/w', { memoryBytes: 8 * Gi })).rejected[0]!.reason).toBe('needs memory 8Gi, node has 4Gi free of 4Gi');
  });
});

describe('cluster selector', () => {
  it.each<[string, PlacementRequest['clusterSelector'], Record<string, string>, string | undefined]>([
    ['matchLabels match', { matchLabels: { env: 'prod' } }, { env: 'prod', tier: 'a' }, undefined],
    ['matchLabels missing', { matchLabels: { env: 'prod' } }, {}, 'needs label env=prod, has no env label'],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] }, { env: 'stage' }, undefined],
    ['In fails', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] }, { env: 'dev' }, 'needs env in (prod, stage), has env=dev'],
    ['NotIn with absent key', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, {}, undefined],
    ['NotIn fails', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, { env: 'dev' }, 'needs env notin (dev), has env=dev'],
    ['Exists', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, { gpu: '' }, undefined],
    ['Exists fails', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, {}, 'needs label gpu, has no gpu label'],
    ['DoesNotExist fails', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, { gpu: 'yes' }, 'needs no gpu label, has gpu=yes'],
    ['all terms must hold', { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, { env: 'prod' }, 'needs label zone, has no zone label'],
  ])('%s', (_name, selector, labels, why) => {
    expect(selectorMismatch(selector!, labels)).toBe(why);
    expect(single({}, { labels }).evaluate(req('acme/w', { clusterSelector: selector })).placed).toBe(why === undefined);
  });
});

describe('spread', () => {
  /** Three zones, one roomy node each; group g has 2 replicas in zone a, 1 in b, 0 in c. */
  function zones(): PlacementEngine {
    const nodes = ['a', 'b', 'c'].map((z) => node(`n-${z}`, { cpu: 64, memGi: 256, tags: [`zone:${z}`] }));
    const e = engineWith(nodes, [cluster('acme/prod', nodes.map((n) => n.name))]);
    e.bind(req('acme/r1', { group: 'g' }), 'acme/prod', 'n-a');
    e.bind(req('acme/r2', { group: 'g' }), 'acme/prod', 'n-a');
    e.bind(req('acme/r3', { group: 'g' }), 'acme/prod', 'n-b');
    return e;
  }
  const spreadReq = (maxSkew: number) => req('acme/new', { group: 'g', spread: { topologyKey: 'zone', maxSkew } });

  it.each<[number, string[], string[]]>([
    [1, ['n-c'], ['zone:a would have 3 replicas of group g, min is 0; skew 3 > maxSkew 1', 'zone:b would have 2 replicas of group g, min is 0; skew 2 > maxSkew 1']],
    [2, ['n-c', 'n-b'], ['zone:a would have 3 replicas of group g, min is 0; skew 3 > maxSkew 2']],
  ])('maxSkew %i', (maxSkew, feasible, reasonsWanted) => {
    const d = zones().evaluate(spreadReq(maxSkew));
    expect([d.decision!.node, ...d.alternatives.map((a) => a.node)]).toEqual(feasible);
    expect(d.rejected.map((r) => r.reason)).toEqual(reasonsWanted);
    expect(d.rejected.every((r) => r.filter === 'SpreadSkew')).toBe(true);
  });

  it('only counts topology values that are feasible (a cordoned zone does not hold the others back)', () => {
    const e = zones();
    e.setNode(node('n-c', { cpu: 64, memGi: 256, tags: ['zone:c'], unschedulable: true }));
    const d = e.evaluate(spreadReq(1));
    expect(d.decision?.node).toBe('n-b');
  });

  it('keeps replicas within maxSkew as they are placed one by one', () => {
    const nodes = ['a', 'b', 'c'].flatMap((z) => [1, 2].map((i) => node(`n-${z}${i}`, { cpu: 64, memGi: 256, tags: [`zone:${z}`] })));
    const e = engineWith(nodes, [cluster('acme/prod', nodes.map((n) => n.name))]);
    for (let i = 0; i < 9; i++) expect(e.place(req(`acme/r${i}`, { group: 'g', spread: { topologyKey: 'zone', maxSkew: 1 } })).placed).toBe(true);
    const perZone = new Map<string, number>();
    for (let i = 0; i < 9; i++) {
      const z = e.binding(`acme/r${i}`)!.node.slice(2, 3);
      perZone.set(z, (perZone.get(z) ?? 0) + 1);
    }
    expect(Object.fromEntries(perZone)).toEqual({ a: 3, b: 3, c: 3 });
  });

  it('takes the topology value from the cluster when the node has none, and groups default to the namespace', () => {
    const e = engineWith([node('n1'), node('n2')], [cluster('acme/eu', ['n1'], { tags: ['zone:eu'] }), cluster('acme/us', ['n2'], { tags: ['zone:us'] })]);
    e.bind(req('team-a/x'), 'acme/eu', 'n1');
    e.bind(req('team-b/y'), 'acme/us', 'n2');
    e.bind(req('team-b/z'), 'acme/us', 'n2');
    const d = e.evaluate(req('team-a/new', { spread: { topologyKey: 'zone', maxSkew: 1 } }));
    expect(d.decision?.cluster).toBe('acme/us');
    expect(d.rejected).toEqual([{ candidate: 'acme/eu@n1', filter: 'SpreadSkew', reason: 'zone:eu would have 2 replicas of group team-a, min is 0; skew 2 > maxSkew 1' }]);
  });

  it('follows tag changes of bound nodes', () => {
    const e = zones();
    e.setNode(node('n-a', { cpu: 64, memGi: 256, tags: ['zone:c'] }));
    // Now c has 2 replicas, b 1, a 0 (no node left in zone a): c is over the skew, b is not.
    const d = e.evaluate(spreadReq(1));
    expect(d.decision?.node).toBe('n-b');
    expect(d.rejected.map((r) => r.candidate).sort()).toEqual(['acme/prod@n-a', 'acme/prod@n-c']);
  });
});

describe('scores', () => {
  it.each<[string, Partial<PlacementRequest>, NodeOpts, number]>([
    ['least-allocated and balanced', { cpuMilli: 2000, memoryBytes: 8 * Gi }, {}, 87.5],
    ['unbalanced', { cpuMilli: 4000, memoryBytes: 8 * Gi }, {}, 68.75],
    ['with a matched preferred tag', { cpuMilli: 2000, memoryBytes: 8 * Gi, preferredTags: [{ tag: 'ssd', weight: 10 }] }, { tags: ['ssd'] }, 93.75],
    ['with an unmatched preferred tag', { cpuMilli: 2000, memoryBytes: 8 * Gi, preferredTags: [{ tag: 'ssd', weight: 10 }] }, {}, 43.75],
    ['preferred weights normalised', { cpuMilli: 2000, memoryBytes: 8 * Gi, preferredTags: [{ tag: 'ssd', weight: 1 }, { tag: 'gpu', weight: 3 }] }, { tags: ['gpu:t4'] }, 81.25],
    ['rounded to 2 decimals', { cpuMilli: 1000, memoryBytes: 3 * Gi }, {}, 92.97],
  ])('%s', (_name, over, nodeOpts, score) => {
    expect(single(nodeOpts).evaluate(req('acme/w', over)).decision?.score).toBe(score);
  });

  it('takes weights from the options, and refuses bad ones', () => {
    const e = new PlacementEngine({ weights: { leastAllocated: 0, balanced: 0 } });
    e.setNode(node('n1'));
    e.setCluster(cluster('acme/prod', ['n1']));
    expect(e.evaluate(req('acme/w', { preferredTags: [{ tag: 'ssd', weight: 5 }] })).decision?.score).toBe(0);
    expect(() => new PlacementEngine({ weights: { spread: -1 } })).toThrow('weights.spread: -1 must be a finite number >= 0');
  });

  it('prefers the emptier node', () => {
    const e = engineWith([node('n1'), node('n2')], [cluster('acme/prod', ['n1', 'n2'])]);
    e.bind(req('acme/busy', { cpuMilli: 4000, memoryBytes: 16 * Gi }), 'acme/prod', 'n1');
    expect(e.evaluate(req('acme/w')).decision?.node).toBe('n2');
  });
});

describe('ties are broken deterministically', () => {
  const nodes = ['n3', 'n1', 'n2', 'n10'].map((n) => node(n));
  const clusters = [cluster('acme/b', ['n3', 'n1']), cluster('acme/a', ['n2', 'n10'])];
  it.each([1, 2, 3, 4, 5])('whatever the insertion order (seed %i)', (seed) => {
    const rand = prng(seed);
    const shuffle = <T>(xs: T[]) => xs.map((x) => [rand(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
    const e = new PlacementEngine();
    for (const item of shuffle<NodeInfo | ClusterInfo>([...nodes, ...clusters])) {
      if ('hosts' in item) e.setCluster(item);
      else e.setNode(item);
    }
    const d = e.evaluate(req('acme/w'));
    expect(d.decision).toEqual({ cluster: 'acme/a', node: 'n10', score: d.alternatives[0]!.score });
    expect(d.alternatives.map((a) => `${a.cluster}@${a.node}`)).toEqual(['acme/a@n2', 'acme/b@n1', 'acme/b@n3']);
  });
});

describe('messages', () => {
  it('says when the org has no OrgCluster, and how to fix it', () => {
    const e = engineWith([node('n1')], [cluster('beta/x', ['n1'], { org: 'beta' })]);
    expect(e.evaluate(req('acme/w')).message).toBe('0/0 candidates available: no OrgCluster of org acme: create one with spec.org: acme.');
  });

  it('says when a cluster has no hosts', () => {
    const e = engineWith([node('n1', { ready: false })], [cluster('acme/empty', []), cluster('acme/prod', ['n1'])]);
    expect(e.evaluate(req('acme/w')).message).toBe(
      '0/1 candidates available: 1 NodeNotReady. OrgCluster acme/empty has no hosts: add MeshNode names to its spec.hosts.',
    );
  });

  it('counts rejections per filter, kube-scheduler style', () => {
    const gpu = Array.from({ length: 5 }, (_, i) => node(`gpu-${i}`, { gpus: { T4: 1 } }));
    const down = Array.from({ length: 7 }, (_, i) => node(`down-${i}`, { ready: false }));
    const e = engineWith([...gpu, ...down], [cluster('acme/prod', [...gpu, ...down].map((n) => n.name))]);
    expect(e.evaluate(req('acme/w', { gpu: 2 })).message).toBe('0/12 candidates available: 5 InsufficientGPU, 7 NodeNotReady.');
  });

  it('says where it placed, and why the others were not chosen', () => {
    const nodes = Array.from({ length: 13 }, (_, i) => node(`node-${i}`, { ready: i !== 1 && i !== 2, tags: i === 3 ? ['ssd'] : [] }));
    const e = engineWith(nodes, [cluster('acme/prod', nodes.map((n) => n.name))]);
    const d = e.place(req('acme/w', { requiredTags: ['ssd'], cpuMilli: 2000, memoryBytes: 8 * Gi }));
    expect(d.message).toBe('placed on acme/prod@node-3 (score 87.5); 12 of 12 other candidates rejected: 2 NodeNotReady, 10 RequiredTags.');
    expect(d.rejected).toHaveLength(12);
    expect(d.alternatives).toEqual([]);
  });
});

describe('bind, unbind and state', () => {
  it('binds, moves on rebind, and unbinds', () => {
    const e = engineWith([node('n1'), node('n2')], [cluster('acme/prod', ['n1', 'n2'])]);
    const r = req('acme/w', { cpuMilli: 1500, memoryBytes: 2 * Gi });
    e.bind(r, 'acme/prod', 'n1');
    e.bind(r, 'acme/prod', 'n1');
    expect(e.allocated('n1')).toEqual({ cpuMilli: 1500, memoryBytes: 2 * Gi, gpus: {} });
    expect(e.binding('acme/w')).toEqual({ cluster: 'acme/prod', node: 'n1' });
    e.bind(r, 'acme/prod', 'n2');
    expect(e.allocated('n1')).toEqual({ cpuMilli: 0, memoryBytes: 0, gpus: {} });
    expect(e.free('n2')).toEqual({ cpuMilli: 6500, memoryBytes: 30 * Gi, gpus: {} });
    e.unbind('acme/w');
    e.unbind('acme/never-bound');
    expect(e.isBound('acme/w')).toBe(false);
    expect(e.binding('acme/w')).toBeUndefined();
    expect(e.free('n2')).toEqual({ cpuMilli: 8000, memoryBytes: 32 * Gi, gpus: {} });
  });

  it('copies what it is given, and follows status updates of a node', () => {
    const n = node('n1');
    const e = engineWith([n], [cluster('acme/prod', ['n1'])]);
    n.ready = false;
    n.allocatable.cpuMilli = 0;
    expect(e.evaluate(req('acme/w')).placed).toBe(true);
    e.setNode({ ...node('n1'), ready: false });
    expect(onlyRejection(e.evaluate(req('acme/w'))).filter).toBe('NodeNotReady');
  });

  it('records an over-committed node from bind(), which then stops fitting', () => {
    const e = single({ cpu: 2 });
    e.bind(req('acme/a', { cpuMilli: 1500 }), 'acme/prod', 'n1');
    e.bind(req('acme/b', { cpuMilli: 1500 }), 'acme/prod', 'n1');
    expect(e.free('n1').cpuMilli).toBe(-1000);
    expect(onlyRejection(e.evaluate(req('acme/c', { cpuMilli: 100 }))).reason).toBe('needs cpu 0.1, node has 0 free of 2');
  });

  it('evaluate() changes nothing; place() binds', () => {
    const e = single();
    const d = e.evaluate(req('acme/w'));
    expect(d.placed).toBe(true);
    expect(e.isBound('acme/w')).toBe(false);
    expect(e.allocated('n1').cpuMilli).toBe(0);
    expect(e.place(req('acme/w')).decision).toEqual(d.decision);
    expect(e.binding('acme/w')).toEqual({ cluster: 'acme/prod', node: 'n1' });
  });

  it('re-placing a bound workload does not count its own binding, and keeps it when nothing fits', () => {
    const e = single({ cpu: 2 });
    expect(e.place(req('acme/w', { cpuMilli: 2000 })).placed).toBe(true);
    expect(e.evaluate(req('acme/w', { cpuMilli: 2000 })).placed).toBe(true);
    expect(e.place(req('acme/w', { cpuMilli: 4000 })).placed).toBe(false);
    expect(e.allocated('n1').cpuMilli).toBe(2000);
  });

  it('keeps bindings on deleted nodes and resolves GPUs bound before the node was known', () => {
    const e = new PlacementEngine();
    e.bind(req('acme/g', { gpu: 2, gpuModel: 'h100' }), 'acme/prod', 'n1');
    expect(e.allocated('n1').gpus).toEqual({ [UNRESOLVED_GPU_MODEL]: 2 });
    e.setNode(node('n1', { gpus: { 'NVIDIA T4': 4, 'NVIDIA H100': 8 } }));
    expect(e.allocated('n1').gpus).toEqual({ 'NVIDIA H100': 2 });
    e.deleteNode('n1');
    expect(e.allocated('n1').gpus).toEqual({ 'NVIDIA H100': 2 });
    e.unbind('acme/g');
    expect(e.allocated('n1')).toEqual({ cpuMilli: 0, memoryBytes: 0, gpus: {} });
  });

  it('follows cluster and node deletion and org changes', () => {
    const e = single();
    e.setCluster(cluster('acme/prod', ['n1'], { org: 'beta' }));
    expect(e.evaluate(req('acme/w')).message).toContain('no OrgCluster of org acme');
    e.setCluster(cluster('acme/prod', ['n1']));
    e.deleteNode('n1');
    expect(onlyRejection(e.evaluate(req('acme/w'))).filter).toBe('NodeMissing');
    e.deleteCluster('acme/prod');
    expect(e.evaluate(req('acme/w')).message).toContain('no OrgCluster of org acme');
  });

  it('never over-commits a node through place(), whatever the sequence (seeded)', () => {
    const rand = prng(42);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const models = ['NVIDIA T4', 'NVIDIA A100 80GB', 'NVIDIA H100 80GB HBM3'];
    const nodes = Array.from({ length: 24 }, (_, i) =>
      node(`n${i}`, { cpu: pick([2, 4, 8]), memGi: pick([4, 16, 32]), gpus: i % 3 ? {} : { [pick(models)]: pick([1, 2, 4]) }, tags: [`zone:${pick(['a', 'b'])}`] }),
    );
    const e = engineWith(nodes, [cluster('acme/x', nodes.slice(0, 12).map((n) => n.name)), cluster('acme/y', nodes.slice(8).map((n) => n.name))]);
    const live: string[] = [];
    const overCommitted: string[] = [];
    for (let step = 0; step < 600; step++) {
      if (live.length && rand() < 0.3) e.unbind(live.splice(Math.floor(rand() * live.length), 1)[0]!);
      const id = `ns${step % 3}/w${step}`;
      const gpu = rand() < 0.2 ? pick([1, 2, 3]) : 0;
      const spread = rand() < 0.3 ? { topologyKey: 'zone', maxSkew: pick([1, 2]) } : undefined;
      const r = req(id, { cpuMilli: pick([100, 500, 1000, 2500]), memoryBytes: pick([1, 2, 6]) * Gi, gpu, gpuModel: gpu ? pick(['a100', 'h100', undefined]) : undefined, spread });
      if (e.place(r).placed) live.push(id);
      for (const n of nodes) {
        const free = e.free(n.name);
        if (free.cpuMilli < 0 || free.memoryBytes < 0 || Object.values(free.gpus).some((g) => g < 0)) overCommitted.push(`step ${step}: ${n.name}`);
      }
    }
    expect(overCommitted).toEqual([]);
    expect(live.length).toBeGreaterThan(20);
    live.forEach((id) => e.unbind(id));
    for (const n of nodes) expect(e.allocated(n.name)).toEqual({ cpuMilli: 0, memoryBytes: 0, gpus: {} });
  });
});
