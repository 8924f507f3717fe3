import type { ClusterDetail } from '../../../src/server/dashboard/types.ts';
import { useData } from '../data.ts';
import { bytes, cores, since } from '../format.ts';
import { apiPathFor, href, hrefOf, type Route } from '../route.ts';
import { Badge, Empty, Facts, Link } from '../ui/bits.tsx';
import { Conditions, detailFallback, Head, WorkloadList } from './common.tsx';
import { reach } from './clusters.tsx';

/** One OrgCluster: health, version, capacity, conditions, its pods and the workloads placed on it. */
export function Cluster(p: { route: Route }) {
  const id = `${p.route.namespace}/${p.route.name}`;
  const d = useData<ClusterDetail>(apiPathFor(p.route)!, ['clusters', 'pods', 'workloads']);
  const back = <Link href={href('clusters')}>← All clusters</Link>;
  const fallback = detailFallback(d, { back, gone: `OrgCluster “${id}”`, what: `cluster ${id}` });
  if (fallback || !d.data) return fallback ?? null;
  const c = d.data.cluster;
  const pods = d.data.pods;
  return (
    <section aria-labelledby="h-cluster" data-cluster={id}>
      {back}
      <header class="page-head">
        <h1 id="h-cluster">{id} <Badge>{reach(c.reachable)}</Badge></h1>
      </header>
      {c.message && <p class="callout">{c.message}</p>}
      <Facts
        items={[
          ['Org', c.org],
          ['Provider', c.provider],
          ['Version', c.version ?? '—'],
          ['API server', c.apiServerURL ?? '—'],
          ['Nodes', c.nodes ?? '—'],
          ['Allocatable', `${cores(c.allocatable.cpu)} CPU · ${bytes(c.allocatable.memory)} · ${c.allocatable.gpus} GPU`],
          ['Created', since(c.createdAt)],
        ]}
      />
      <h2>Conditions</h2>
      <Conditions conditions={c.conditions} />
      <h2>Pods <span class="count">{pods.state === 'ok' ? pods.items.length : ''}</span></h2>
      {pods.state === 'syncing' ? (
        <p class="loading">Listing the cluster's pods…</p>
      ) : pods.state === 'error' ? (
        <div class="problem" role="alert"><strong>The cluster's pods cannot be listed</strong><p>{pods.message}</p></div>
      ) : pods.items.length === 0 ? (
        <Empty title="No pods in this cluster" />
      ) : (
        <div class="table-wrap">
          <table aria-label="Pods" data-testid="pods">
            <Head cols={['Pod', 'Phase', 'Node', 'Workload', 'Started']} />
            <tbody>
              {pods.items.map((pod) => (
                <tr key={`${pod.namespace}/${pod.name}`} data-pod={`${pod.namespace}/${pod.name}`}>
                  <td>{pod.namespace}/{pod.name}</td>
                  <td><Badge>{pod.phase}</Badge></td>
                  <td>{pod.node ?? <span class="muted">—</span>}</td>
                  <td>{pod.workload ? <Link href={hrefOf('workload', pod.workload)}>{pod.workload}</Link> : <span class="muted">—</span>}</td>
                  <td class="nowrap">{since(pod.startTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Workloads placed here</h2>
      <WorkloadList items={d.data.workloads} empty="No workloads are placed on this cluster" />
    </section>
  );
}
