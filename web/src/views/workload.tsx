import type { WorkloadDetail } from '../../../src/server/dashboard/types.ts';
import { useData } from '../data.ts';
import { since } from '../format.ts';
import { apiPathFor, href, hrefOf, navigate, type Route } from '../route.ts';
import { DeleteWorkloadButton } from '../ui/actions.tsx';
import { Badge, Empty, Facts, Link } from '../ui/bits.tsx';
import { Conditions, detailFallback, Head, requests } from './common.tsx';

/** One Workload: placement, the scheduler's reasons for every rejected candidate, conditions, pod. */
export function Workload(p: { route: Route }) {
  const id = `${p.route.namespace}/${p.route.name}`;
  const d = useData<WorkloadDetail>(apiPathFor(p.route)!, ['workloads']);
  const back = <Link href={href('workloads')}>← All workloads</Link>;
  const fallback = detailFallback(d, { back, gone: `Workload “${id}”`, what: `workload ${id}` });
  if (fallback || !d.data) return fallback ?? null;
  const w = d.data.workload;
  return (
    <section aria-labelledby="h-workload" data-workload={id} data-phase={w.phase}>
      {back}
      <header class="page-head">
        <h1 id="h-workload">{id} <Badge>{w.phase}</Badge></h1>
        <div class="actions"><DeleteWorkloadButton namespace={w.namespace} name={w.name} onDeleted={() => navigate(href('workloads'))} /></div>
      </header>
      {w.message && <p class="callout">{w.message}</p>}
      <Facts
        items={[
          ['Org', w.org],
          ['Cluster', w.cluster ? <Link href={hrefOf('cluster', w.cluster)}>{w.cluster}</Link> : '—'],
          ['Node', w.node ? <Link href={href('node', { name: w.node })}>{w.node}</Link> : '—'],
          ['Score', w.score ?? '—'],
          ['Priority', w.priority],
          ['Requests', requests(w)],
          ['Pod', w.pod?.name ? `${w.pod.namespace}/${w.pod.name}` : '—'],
          ['Created', since(w.createdAt)],
        ]}
      />
      <h2>Rejected candidates</h2>
      {w.rejected.length === 0 ? (
        <Empty title={w.phase === 'Pending' ? 'The scheduler has not reported any candidates yet' : 'No candidate was rejected'} />
      ) : (
        <div class="table-wrap">
          <table aria-label="Rejected candidates" data-testid="rejected">
            <Head cols={['Candidate', 'Reason']} />
            <tbody>
              {w.rejected.map((r) => (
                <tr key={r.candidate}><td class="nowrap">{r.candidate}</td><td class="wrap">{r.reason}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Conditions</h2>
      <Conditions conditions={w.conditions} />
    </section>
  );
}
