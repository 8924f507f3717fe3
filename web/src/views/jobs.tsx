import type { ItemsReply, JobRow } from '../../../src/server/dashboard/types.ts';
import { useData } from '../data.ts';
import { since } from '../format.ts';
import { apiPathFor, href, navigate, type Route } from '../route.ts';
import { Badge, Empty, Link, Loading, Notices, Problem } from '../ui/bits.tsx';
import { FilterBar } from '../ui/filters.tsx';
import { Table, type Column } from '../ui/table.tsx';

const JOB_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'];

const columns: Array<Column<JobRow>> = [
  { key: 'name', label: 'Job', value: (j) => j.name, render: (j) => <Link href={href('job', { namespace: j.namespace, name: j.name })}>{j.name}</Link> },
  { key: 'namespace', label: 'Namespace', value: (j) => j.namespace, render: (j) => j.namespace },
  { key: 'org', label: 'Org', value: (j) => j.org, render: (j) => j.org },
  { key: 'template', label: 'Template', value: (j) => j.template, render: (j) => j.template },
  { key: 'phase', label: 'Phase', value: (j) => JOB_PHASES.indexOf(j.phase), render: (j) => <Badge>{j.phase}</Badge> },
  { key: 'reason', label: 'Reason', value: (j) => j.reason ?? '', render: (j) => j.reason ?? <span class="muted">—</span> },
  { key: 'attempts', label: 'Attempts', class: 'num', value: (j) => j.attempts, render: (j) => j.attempts || '—' },
  { key: 'artifacts', label: 'Artifacts', class: 'num', value: (j) => j.artifactCount, render: (j) => j.artifactCount || '—' },
  { key: 'started', label: 'Started', value: (j) => j.startedAt ?? '', render: (j) => <span class="nowrap">{since(j.startedAt)}</span> },
  { key: 'summary', label: 'Summary', render: (j) => <span class="small">{j.summary ?? ''}</span> },
];

/** Jobs: template, phase and reason, attempts, artifacts, summary; live. The history of finished runs is one click away. */
export function Jobs(p: { route: Route }) {
  const f = p.route.filters;
  const d = useData<ItemsReply<JobRow>>(apiPathFor(p.route)!, ['jobs']);
  if (d.error && !d.data) return <Problem error={d.error} what="jobs" onRetry={d.reload} />;
  if (!d.data) return <Loading what="jobs" />;
  const q = f.q?.toLowerCase();
  const rows = d.data.items.filter((j) => (!f.org || j.org === f.org) && (!f.phase || j.phase === f.phase) && (!f.template || j.template === f.template) && (!q || `${j.namespace}/${j.name}`.toLowerCase().includes(q)));
  const namespaces = [...new Set(d.data.items.map((j) => j.namespace))].sort();
  return (
    <section aria-labelledby="h-jobs">
      <header class="page-head">
        <h1 id="h-jobs">Jobs <span class="count">{rows.length === d.data.items.length ? rows.length : `${rows.length} of ${d.data.items.length}`}</span></h1>
        <FilterBar route={p.route} orgs={d.data.facets.orgs} templates={d.data.facets.tags} phases={JOB_PHASES} noun="jobs" />
      </header>
      <Notices notices={p.route.notices} />
      <p class="small">
        Finished runs are kept outside the cluster, also after their Job is deleted:{' '}
        {namespaces.length ? namespaces.map((ns, i) => <>{i ? ', ' : ''}<Link href={href('history', { filters: { namespace: ns } })}>history of {ns}</Link></>) : <Link href={href('history')}>run history</Link>}
      </p>
      {d.data.items.length === 0 ? (
        <Empty title="No jobs yet">Apply one (see <code>docs/jobs.md</code>, e.g. a <code>ci-runner</code> or <code>security-scan</code> Job).</Empty>
      ) : rows.length === 0 ? (
        <Empty title="No jobs match these filters"><button type="button" class="link" onClick={() => navigate(href('jobs'))}>Show all jobs</button></Empty>
      ) : (
        <Table label="Jobs" testid="jobs-table" rows={rows} columns={columns} rowKey={(j) => `${j.namespace}/${j.name}`} sort={f.sort}
          onSort={(sort) => navigate(href('jobs', { filters: { ...f, sort } }), true)}
          rowProps={(j) => ({ 'data-job': `${j.namespace}/${j.name}`, 'data-phase': j.phase, 'data-reason': j.reason ?? '' })} />
      )}
    </section>
  );
}
