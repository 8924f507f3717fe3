import type { ItemsReply, NodeRow } from '../../../src/server/dashboard/types.ts';
import { useEffect } from 'preact/hooks';
import { useData, useNow } from '../data.ts';
import { age, bytes, cores } from '../format.ts';
import { apiPathFor, href, navigate, type Route } from '../route.ts';
import { CordonButton } from '../ui/actions.tsx';
import { Badge, Empty, Link, Loading, Notices, Problem, Tags, UsedOf } from '../ui/bits.tsx';
import { FilterBar } from '../ui/filters.tsx';
import { Table, type Column } from '../ui/table.tsx';
import { useMe } from '../session.ts';

const STATUS_ORDER: Record<string, number> = { False: 0, Unknown: 1, True: 2 };

export function NodeStatus(p: { n: Pick<NodeRow, 'ready' | 'unschedulable' | 'readyMessage'> }) {
  return (
    <span class="status" data-testid="node-status">
      <Badge title={p.n.readyMessage}>{p.n.ready === 'True' ? 'Ready' : p.n.ready === 'False' ? 'NotReady' : 'Unknown'}</Badge>
      {p.n.unschedulable && <Badge title="Cordoned: no new workloads are placed here">Cordoned</Badge>}
    </span>
  );
}

export function Tailnet(p: { t: NodeRow['tailnet'] }) {
  if (p.t.online === undefined) return <span class="muted" title="Not in the tailnet (or no mesh configured)">—</span>;
  return <Badge title={p.t.ips.join(', ')}>{p.t.online ? 'online' : 'offline'}</Badge>;
}

/** Nodes: a sortable, filterable table with capacity, allocation, tailnet and heartbeat. */
export function Nodes(p: { route: Route }) {
  const f = p.route.filters;
  const d = useData<ItemsReply<NodeRow>>(apiPathFor(p.route)!, ['nodes', 'workloads']);
  const now = useNow(5000);
  const me = useMe();
  useEffect(() => {
    // For bench/dashboard.ts: when the table first showed real rows.
    if (d.data && performance.getEntriesByName('weft:nodes-table').length === 0) performance.mark('weft:nodes-table', { detail: d.data.items.length });
  }, [d.data]);
  if (d.error && !d.data) return <Problem error={d.error} what="nodes" onRetry={d.reload} />;
  if (!d.data) return <Loading what="nodes" />;
  const elapsed = Math.max(0, (now - d.at) / 1000);
  const hb = (n: NodeRow) => (n.heartbeatAgeSeconds === null ? null : n.heartbeatAgeSeconds + elapsed);
  const q = f.q?.toLowerCase();
  const rows = d.data.items.filter((n) => (!f.org || n.org === f.org) && (!f.tag || n.tags.includes(f.tag)) && (!q || n.name.toLowerCase().includes(q) || n.hostname.toLowerCase().includes(q)));
  const columns: Array<Column<NodeRow>> = [
    { key: 'name', width: '15%', label: 'Name', value: (n) => n.name, render: (n) => <Link href={href('node', { name: n.name })}>{n.name}</Link> },
    { key: 'status', width: '10%', label: 'Status', value: (n) => STATUS_ORDER[n.ready]! * 2 + (n.unschedulable ? 0 : 1), render: (n) => <NodeStatus n={n} /> },
    { key: 'org', width: '10%', label: 'Org', value: (n) => n.org, render: (n) => n.org },
    { key: 'tags', width: '13%', label: 'Tags', render: (n) => <Tags tags={n.tags} /> },
    { key: 'cpu', width: '8%', label: 'CPU', class: 'num', value: (n) => n.allocatable.cpu, render: (n) => <UsedOf used={n.allocated.cpu} total={n.allocatable.cpu} format={cores} /> },
    { key: 'memory', width: '10%', label: 'Memory', class: 'num', value: (n) => n.allocatable.memory, render: (n) => <UsedOf used={n.allocated.memory} total={n.allocatable.memory} format={bytes} /> },
    { key: 'gpus', width: '6%', label: 'GPUs', class: 'num', value: (n) => n.allocatable.gpus, render: (n) => <UsedOf used={n.allocated.gpus} total={n.allocatable.gpus} format={String} /> },
    { key: 'tailnet', width: '7%', label: 'Tailnet', value: (n) => (n.tailnet.online === undefined ? 2 : n.tailnet.online ? 1 : 0), render: (n) => <Tailnet t={n.tailnet} /> },
    { key: 'heartbeat', width: '7%', label: 'Heartbeat', class: 'num', value: (n) => hb(n) ?? Infinity, render: (n) => <span title="Time since the node's agent last renewed its heartbeat Lease">{age(hb(n))}</span> },
    { key: 'workloads', width: '6%', label: 'Workloads', class: 'num', value: (n) => n.workloads, render: (n) => n.workloads },
  ];
  if (me?.can.cordon) columns.push({ key: 'actions', width: '8%', label: 'Actions', render: (n) => <CordonButton node={n.name} unschedulable={n.unschedulable} compact /> });
  return (
    <section aria-labelledby="h-nodes">
      <header class="page-head">
        <h1 id="h-nodes">
          Nodes <span class="count" data-testid="nodes-count">{rows.length === d.data.items.length ? rows.length : `${rows.length} of ${d.data.items.length}`}</span>
        </h1>
        <FilterBar route={p.route} orgs={d.data.facets.orgs} tags={d.data.facets.tags} noun="nodes" />
      </header>
      <Notices notices={p.route.notices} />
      {d.data.items.length === 0 ? (
        <Empty title="No nodes in the mesh yet">
          Provision a host with <code>weft agent provision</code> and start <code>weft agent</code> on it; it appears here as a MeshNode.
        </Empty>
      ) : rows.length === 0 ? (
        <Empty title="No nodes match these filters">
          <button type="button" class="link" onClick={() => navigate(href('nodes'))}>Show all {d.data.items.length} nodes</button>
        </Empty>
      ) : (
        <Table
          label="Nodes"
          testid="nodes-table"
          rows={rows}
          columns={columns}
          rowKey={(n) => n.name}
          sort={f.sort}
          onSort={(sort) => navigate(href('nodes', { filters: { ...f, sort } }), true)}
          rowProps={(n) => ({ 'data-node': n.name, 'data-ready': n.ready, 'data-cordoned': String(n.unschedulable) })}
        />
      )}
    </section>
  );
}
