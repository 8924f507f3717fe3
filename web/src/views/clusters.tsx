import type { ClusterRow, ItemsReply } from '../../../src/server/dashboard/types.ts';
import { useData } from '../data.ts';
import { bytes, cores } from '../format.ts';
import { apiPathFor, href, navigate, type Route } from '../route.ts';
import { Badge, Empty, Link, Loading, Notices, Problem } from '../ui/bits.tsx';
import { FilterBar } from '../ui/filters.tsx';
import { Table, type Column } from '../ui/table.tsx';

const ORDER: Record<string, number> = { False: 0, Unknown: 1, True: 2 };
export const reach = (s: string) => (s === 'True' ? 'Reachable' : s === 'False' ? 'Unreachable' : 'Unknown');

const columns: Array<Column<ClusterRow>> = [
  { key: 'name', label: 'Cluster', value: (c) => `${c.namespace}/${c.name}`, render: (c) => <Link href={href('cluster', { namespace: c.namespace, name: c.name })}>{c.namespace}/{c.name}</Link> },
  { key: 'reachable', label: 'Health', value: (c) => ORDER[c.reachable]! * 3 + ORDER[c.ready]!, render: (c) => <span class="status"><Badge title={c.message}>{reach(c.reachable)}</Badge>{c.reachable === 'True' && c.ready !== 'True' && <Badge title={c.message}>NotReady</Badge>}</span> },
  { key: 'org', label: 'Org', value: (c) => c.org, render: (c) => c.org },
  { key: 'provider', label: 'Provider', value: (c) => c.provider, render: (c) => c.provider },
  { key: 'version', label: 'Version', value: (c) => c.version ?? '', render: (c) => c.version ?? <span class="muted">—</span> },
  { key: 'nodes', label: 'Nodes', class: 'num', value: (c) => c.nodes ?? -1, render: (c) => c.nodes ?? '—' },
  { key: 'cpu', label: 'CPU', class: 'num', value: (c) => c.allocatable.cpu, render: (c) => cores(c.allocatable.cpu) },
  { key: 'memory', label: 'Memory', class: 'num', value: (c) => c.allocatable.memory, render: (c) => bytes(c.allocatable.memory) },
  { key: 'gpus', label: 'GPUs', class: 'num', value: (c) => c.allocatable.gpus, render: (c) => c.allocatable.gpus },
];

/** Clusters: provider, version, nodes, capacity and health of every OrgCluster. */
export function Clusters(p: { route: Route }) {
  const f = p.route.filters;
  const d = useData<ItemsReply<ClusterRow>>(apiPathFor(p.route)!, ['clusters']);
  if (d.error && !d.data) return <Problem error={d.error} what="clusters" onRetry={d.reload} />;
  if (!d.data) return <Loading what="clusters" />;
  const q = f.q?.toLowerCase();
  const rows = d.data.items.filter((c) => (!f.org || c.org === f.org) && (!q || `${c.namespace}/${c.name}`.toLowerCase().includes(q)));
  return (
    <section aria-labelledby="h-clusters">
      <header class="page-head">
        <h1 id="h-clusters">Clusters <span class="count">{rows.length === d.data.items.length ? rows.length : `${rows.length} of ${d.data.items.length}`}</span></h1>
        <FilterBar route={p.route} orgs={d.data.facets.orgs} noun="clusters" />
      </header>
      <Notices notices={p.route.notices} />
      {d.data.items.length === 0 ? (
        <Empty title="No clusters registered">
          Register one with an OrgCluster (provider <code>local</code>, <code>kubeconfig</code> or <code>talos</code>): see <code>config/samples/orgcluster-*.yaml</code>.
        </Empty>
      ) : rows.length === 0 ? (
        <Empty title="No clusters match these filters"><button type="button" class="link" onClick={() => navigate(href('clusters'))}>Show all clusters</button></Empty>
      ) : (
        <Table label="Clusters" testid="clusters-table" rows={rows} columns={columns} rowKey={(c) => `${c.namespace}/${c.name}`} sort={f.sort}
          onSort={(sort) => navigate(href('clusters', { filters: { ...f, sort } }), true)}
          rowProps={(c) => ({ 'data-cluster': `${c.namespace}/${c.name}`, 'data-reachable': c.reachable })} />
      )}
    </section>
  );
}
