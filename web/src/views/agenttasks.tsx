import type { AgentTaskRow, ItemsReply } from '../../../src/server/dashboard/types.ts';
import { useData } from '../data.ts';
import { apiPathFor, href, navigate, type Route } from '../route.ts';
import { Badge, Empty, Link, Loading, Notices, Problem } from '../ui/bits.tsx';
import { FilterBar } from '../ui/filters.tsx';
import { Table, type Column } from '../ui/table.tsx';

/** The AgentTask phases, in their order. */
const TASK_PHASES = ['Pending', 'Running', 'Reviewing', 'Succeeded', 'Failed'];
const ORDER = Object.fromEntries(TASK_PHASES.map((p, i) => [p, i]));

const columns: Array<Column<AgentTaskRow>> = [
  { key: 'name', label: 'Task', value: (t) => t.name, render: (t) => <Link href={href('agenttask', { namespace: t.namespace, name: t.name })}><span data-testid="task-name">{t.name}</span></Link> },
  { key: 'namespace', label: 'Namespace', value: (t) => t.namespace, render: (t) => t.namespace },
  { key: 'org', label: 'Org', value: (t) => t.org, render: (t) => t.org },
  { key: 'phase', label: 'Phase', value: (t) => ORDER[t.phase] ?? 99, render: (t) => <Badge>{t.blocked ? 'Blocked' : t.phase}</Badge> },
  { key: 'outcome', label: 'Outcome', value: (t) => t.outcome ?? '', render: (t) => t.outcome ?? <span class="muted">—</span> },
  { key: 'attempt', label: 'Attempt', class: 'num', value: (t) => t.attempt, render: (t) => t.attempt || '—' },
  { key: 'feature', label: 'Spec-Kit', value: (t) => `${t.feature ?? ''} ${t.taskId ?? ''}`, render: (t) => (t.feature ? <Link href={href('feature', { namespace: t.namespace, name: t.feature })}>{`${t.feature} ${t.taskId ?? ''}`}</Link> : <span class="muted">—</span>) },
  { key: 'pr', label: 'Change', render: (t) => (t.pullRequest ? <a href={t.pullRequest} rel="noopener noreferrer" target="_blank">{t.pullRequest.replace(/^https?:\/\/[^/]+\//, '')}</a> : <span class="muted">—</span>) },
  { key: 'tokens', label: 'Tokens', class: 'num', value: (t) => t.tokens, render: (t) => (t.requests ? `${t.tokens} (${t.requests} req.)` : '—') },
  { key: 'message', label: 'Last message', render: (t) => <span class="small">{t.message ?? ''}</span> },
];

/** Agent tasks: phase (Blocked when it waits for its dependencies), outcome, attempt, change, usage; live. */
export function AgentTasks(p: { route: Route }) {
  const f = p.route.filters;
  const d = useData<ItemsReply<AgentTaskRow>>(apiPathFor(p.route)!, ['agenttasks']);
  if (d.error && !d.data) return <Problem error={d.error} what="agent tasks" onRetry={d.reload} />;
  if (!d.data) return <Loading what="agent tasks" />;
  const q = f.q?.toLowerCase();
  const rows = d.data.items.filter((t) => (!f.org || t.org === f.org) && (!f.phase || t.phase === f.phase) && (!q || `${t.namespace}/${t.name} ${t.feature ?? ''} ${t.taskId ?? ''}`.toLowerCase().includes(q)));
  return (
    <section aria-labelledby="h-agenttasks">
      <header class="page-head">
        <h1 id="h-agenttasks">Agent tasks <span class="count">{rows.length === d.data.items.length ? rows.length : `${rows.length} of ${d.data.items.length}`}</span></h1>
        <FilterBar route={p.route} orgs={d.data.facets.orgs} phases={TASK_PHASES} noun="agent tasks" />
      </header>
      <Notices notices={p.route.notices} />
      {d.data.items.length === 0 ? (
        <Empty title="No agent tasks yet">Apply one (see <code>config/samples/agenttask-scripted.yaml</code>) or sync a Spec-Kit feature with <code>weft speckit sync</code>.</Empty>
      ) : rows.length === 0 ? (
        <Empty title="No agent tasks match these filters"><button type="button" class="link" onClick={() => navigate(href('agenttasks'))}>Show all agent tasks</button></Empty>
      ) : (
        <Table label="Agent tasks" testid="agenttasks-table" rows={rows} columns={columns} rowKey={(t) => `${t.namespace}/${t.name}`} sort={f.sort}
          onSort={(sort) => navigate(href('agenttasks', { filters: { ...f, sort } }), true)}
          rowProps={(t) => ({ 'data-task': `${t.namespace}/${t.name}`, 'data-phase': t.phase, 'data-outcome': t.outcome ?? '' })} />
      )}
    </section>
  );
}
