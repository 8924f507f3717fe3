import type { AgentTaskRow, ItemsReply } from '../../../src/server/dashboard/types.ts';
import { useData } from '../data.ts';
import { apiPathFor, href, type Route } from '../route.ts';
import { Badge, Empty, Link, Loading, Problem } from '../ui/bits.tsx';

/** The tasks of one phase, in tasks.md order. */
function Phase(p: { title: string; tasks: AgentTaskRow[] }) {
  const done = p.tasks.filter((t) => t.phase === 'Succeeded').length;
  return (
    <section class="phase" data-phase-title={p.title} aria-label={p.title}>
      <h2>{p.title} <span class="count">{done} of {p.tasks.length} done</span></h2>
      <ol class="tasks">
        {p.tasks.map((t) => (
          <li key={t.name} data-task={`${t.namespace}/${t.name}`} data-phase={t.phase}>
            <Badge>{t.blocked ? 'Blocked' : t.phase}</Badge> <Link href={href('agenttask', { namespace: t.namespace, name: t.name })}>{t.taskId ?? t.name}</Link>{t.title && <span> {t.title.replace(/^T\d+\w*:\s*/, '')}</span>}
            {t.outcome && <span class="small"> {t.outcome}</span>}
            {t.pullRequest && <> · <a href={t.pullRequest} rel="noopener noreferrer" target="_blank">change</a></>}
            {t.message && <div class="small muted">{t.message}</div>}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** A Spec-Kit feature: its tasks.md phases in order, each task with its state; live. */
export function Feature(p: { route: Route }) {
  const d = useData<ItemsReply<AgentTaskRow>>(apiPathFor(p.route)!, ['agenttasks']);
  const back = <Link href={href('agenttasks')}>← All agent tasks</Link>;
  if (d.error && !d.data) return <section>{back}<Problem error={d.error} what={`feature ${p.route.name}`} onRetry={d.reload} /></section>;
  if (!d.data) return <Loading what={`feature ${p.route.name}`} />;
  const tasks = [...d.data.items].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const phases = new Map<string, AgentTaskRow[]>();
  for (const t of tasks) phases.set(t.specPhase ?? 'Tasks', [...(phases.get(t.specPhase ?? 'Tasks') ?? []), t]);
  return (
    <section aria-labelledby="h-feature" data-feature={p.route.name}>
      {back}
      <header class="page-head">
        <h1 id="h-feature">{p.route.name} <span class="count">{tasks.filter((t) => t.phase === 'Succeeded').length} of {tasks.length} done</span></h1>
        <span class="small muted">namespace {p.route.namespace}; tasks already checked off in tasks.md when it was synced have no AgentTask and are not listed</span>
      </header>
      {tasks.length === 0 ? <Empty title="No agent tasks for this feature">Sync it with <code>weft speckit sync --feature specs/{p.route.name}</code>.</Empty> : [...phases].map(([title, ts]) => <Phase key={title} title={title} tasks={ts} />)}
    </section>
  );
}
