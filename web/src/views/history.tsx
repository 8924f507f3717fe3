import { useState } from 'preact/hooks';
import type { HistoryEntry } from '../../../src/artifacts/history-model.ts';
import { useData } from '../data.ts';
import { bytes, since } from '../format.ts';
import { apiPathFor, href, navigate, type Route } from '../route.ts';
import { Badge, Empty, Link, Loading, Problem } from '../ui/bits.tsx';
import { Head } from './common.tsx';

/** Finished runs of a namespace's Jobs, newest first, from the store's history (outside etcd): they outlive their Jobs. */
export function History(p: { route: Route }) {
  const ns = p.route.filters.namespace;
  const [input, setInput] = useState(ns ?? '');
  const path = apiPathFor(p.route);
  const d = useData<{ items: HistoryEntry[]; next?: string }>(path ?? null, ['jobs']);
  const form = (
    <form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); if (input) navigate(href('history', { filters: { namespace: input } })); }}>
      <label class="filter"><span>Namespace</span><input name="namespace" value={input} onInput={(e) => setInput((e.target as HTMLInputElement).value.trim())} /></label>
      <button type="submit">Show</button>
    </form>
  );
  const body = () => {
    if (!path) return <Empty title="Pick a namespace">The history is kept per namespace, in its artifact store.</Empty>;
    if (d.error && !d.data) return <Problem error={d.error} what={`the run history of ${ns}`} onRetry={d.reload} />;
    if (!d.data) return <Loading what="the run history" />;
    if (d.data.items.length === 0) return <Empty title={`No finished runs in ${ns} yet`} />;
    return (
      <div class="table-wrap">
        <table aria-label="Run history" data-testid="history">
          <Head cols={['Job', 'Attempt', 'Template', 'Outcome', 'Finished', 'Artifacts', 'Trace', 'Message']} />
          <tbody>
            {d.data.items.map((r) => (
              <tr key={r.id} data-run={`${r.name}/${r.attempt}`} data-outcome={r.outcome}>
                <td><Link href={href('job', { namespace: ns!, name: r.name })}>{r.name}</Link></td>
                <td class="num">{r.attempt}</td>
                <td>{r.template ?? '—'}</td>
                <td><Badge>{r.outcome}</Badge></td>
                <td class="nowrap">{since(r.finishedAt)}</td>
                <td class="num">{r.artifactCount ? `${r.artifactCount} (${bytes(r.artifactBytes)})` : '—'}</td>
                <td class="small"><code>{r.traceId ?? ''}</code></td>
                <td class="small wrap">{r.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  };
  return (
    <section aria-labelledby="h-history">
      <Link href={href('jobs')}>← Jobs</Link>
      <header class="page-head">
        <h1 id="h-history">Run history{ns ? ` of ${ns}` : ''}</h1>
        {form}
      </header>
      {body()}
    </section>
  );
}
