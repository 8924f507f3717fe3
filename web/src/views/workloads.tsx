import type { ItemsReply, WorkloadRow } from '../../../src/server/dashboard/types.ts';
import { useData } from '../data.ts';
import { apiPathFor, href, hrefOf, navigate, PHASES, type Route } from '../route.ts';
import { Badge, Empty, Link, Loading, Notices, Problem } from '../ui/bits.tsx';
import { FilterBar } from '../ui/filters.tsx';
import { Table, type Column } from '../ui/table.tsx';
import { PendingReason, requests } from './common.tsx';

const PHASE_ORDER = Object.fromEntries(PHASES.map((p, i) => [p, i]));

const columns: Array<Column<WorkloadRow>> = [
  { key: 'name', label: 'Workload', value: (w) => w.name, render: (w) => <Link href={href('workload', { namespace: w.namespace, name: w.name })}>{w.name}</Link> },
  { key: 'namespace', label: 'Namespace', value: (w) => w.namespace, render: (w) => w.namespace },
  { key: 'org', label: 'Org', value: (w) => w.org, render: (w) => w.org },
  { key: 'phase', label: 'Phase', value: (w) => PHASE_ORDER[w.phase] ?? 99, render: (w) => <Badge>{w.phase}</Badge> },
  { key: 'cluster', label: 'Cluster', value: (w) => w.cluster ?? '', render: (w) => (w.cluster ? <Link href={hrefOf('cluster', w.cluster)}>{w.cluster}</Link> : <span class="muted">—</span>) },
  { key: 'node', label: 'Node', value: (w) => w.node ?? '', render: (w) => (w.node ? <Link href={href('node', { name: w.node })}>{w.node}</Link> : <span class="muted">—</span>) },
  { key: 'score', label: 'Score', class: 'num', value: (w) => w.score ?? -1, render: (w) => w.score ?? '—' },
  { key: 'priority', label: 'Priority', class: 'num', value: (w) => w.priority, render: (w) => w.priority },
  { key: 'requests', label: 'Requests', render: (w) => <span class="nowrap">{requests(w)}</span> },
  { key: 'why', label: 'Why pending', render: (w) => <PendingReason w={w} /> },
];

/** Workloads: phase, placement (cluster, node, score) and, for Pending ones, the scheduler's reasons. */
export function Workloads(p: { route: Route }) {
  const f = p.route.filters;
  const d = useData<ItemsReply<WorkloadRow>>(apiPathFor(p.route)!, ['workloads']);
  if (d.error && !d.data) return <Problem error={d.error} what="workloads" onRetry={d.reload} />;
  if (!d.data) return <Loading what="workloads" />;
  const q = f.q?.toLowerCase();
  const rows = d.data.items.filter((w) => (!f.org || w.org === f.org) && (!f.phase || w.phase === f.phase) && (!q || `${w.namespace}/${w.name}`.toLowerCase().includes(q)));
  return (
    <section aria-labelledby="h-workloads">
      <header class="page-head">
        <h1 id="h-workloads">Workloads <span class="count">{rows.length === d.data.items.length ? rows.length : `${rows.length} of ${d.data.items.length}`}</span></h1>
        <FilterBar route={p.route} orgs={d.data.facets.orgs} phases={PHASES} noun="workloads" />
      </header>
      <Notices notices={p.route.notices} />
      {d.data.items.length === 0 ? (
        <Empty title="No workloads yet">Create a Workload (see <code>config/samples/workload-minimal.yaml</code>); the scheduler places it on a cluster and node.</Empty>
      ) : rows.length === 0 ? (
        <Empty title="No workloads match these filters"><button type="button" class="link" onClick={() => navigate(href('workloads'))}>Show all workloads</button></Empty>
      ) : (
        <Table label="Workloads" testid="workloads-table" rows={rows} columns={columns} rowKey={(w) => `${w.namespace}/${w.name}`} sort={f.sort}
          onSort={(sort) => navigate(href('workloads', { filters: { ...f, sort } }), true)}
          rowProps={(w) => ({ 'data-workload': `${w.namespace}/${w.name}`, 'data-phase': w.phase })} />
      )}
    </section>
  );
}
