import type { V1Pod } from '@kubernetes/client-node';
import type { Informer } from '../runtime/informer.js';
import { podOf, podsOf, type ClusterConnection } from './connections.js';

/** Two OrgClusters on one API server share a pod cache: each sees only the pods made for it. */
describe('podOf, podsOf', () => {
  const pods = new Map<string, V1Pod>([
    ['team/a-1', { metadata: { name: 'a-1', namespace: 'team', annotations: { 'weft.dev/orgcluster': 'orgs/east' } } }],
    ['team/b-1', { metadata: { name: 'b-1', namespace: 'team', annotations: { 'weft.dev/orgcluster': 'orgs/west' } } }],
    ['team/old-1', { metadata: { name: 'old-1', namespace: 'team' } }],
  ]);
  const conn = (id: string): ClusterConnection => ({ id, rest: undefined as never, namespaces: new Map(), pods: { get: (k: string) => pods.get(k), list: () => [...pods.values()] } as unknown as Informer<V1Pod> });

  it.each([
    ['orgs/east', 'team/a-1', 'a-1'],
    ['orgs/east', 'team/b-1', undefined],
    ['orgs/west', 'team/b-1', 'b-1'],
    ['orgs/west', 'team/missing', undefined],
    // Pods made before the annotation existed (and pods Weft did not make) belong to whichever cluster asks.
    ['orgs/west', 'team/old-1', 'old-1'],
  ])('cluster %s, pod %s → %s', (cluster, key, name) => expect(podOf(conn(cluster), key)?.metadata?.name).toBe(name));

  it('lists only the pods of that OrgCluster and the unannotated ones', () => {
    expect(podsOf(conn('orgs/east')).map((p) => p.metadata?.name)).toEqual(['a-1', 'old-1']);
  });
});
