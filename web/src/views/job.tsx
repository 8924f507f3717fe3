import { useState } from 'preact/hooks';
import type { JobDetail } from '../../../src/server/dashboard/types.ts';
import { fetchBody } from '../api.ts';
import { useData } from '../data.ts';
import { since } from '../format.ts';
import { apiPathFor, href, hrefOf, type Route } from '../route.ts';
import { Badge, Empty, Facts, Link } from '../ui/bits.tsx';
import { Artifacts, Conditions, detailFallback, Head } from './common.tsx';

type J = JobDetail['job'];

/** The archived log (weft-logs/job.log), fetched with the user's credentials and shown in place. */
function Log(p: { url: string }) {
  const [text, setText] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = async () => {
    try {
      setText(await (await fetchBody(p.url)).text());
    } catch (err) {
      setError((err as Error).message);
    }
  };
  if (text !== undefined) return <pre class="diagnostics" data-testid="job-log">{text.length > 200_000 ? `…${text.slice(-200_000)}` : text}</pre>;
  return (
    <p>
      <button type="button" data-action="show-log" onClick={() => void load()}>Show the log</button>
      {error && <span class="small bad"> {error}</span>}
    </p>
  );
}

function resultOf(j: J): string {
  const r = j.result;
  if (!r) return '—';
  const metrics = r.metrics ? Object.entries(r.metrics).map(([k, v]) => `${k} ${v}`).join(', ') : '';
  return [r.summary, metrics, r.stage ? `stage ${r.stage}` : ''].filter(Boolean).join(' · ') || '—';
}

/** One Job: result, commit status, attempts, artifacts (download), the archived log, conditions; live. */
export function Job(p: { route: Route }) {
  const id = `${p.route.namespace}/${p.route.name}`;
  const d = useData<JobDetail>(apiPathFor(p.route)!, ['jobs', 'workloads']);
  const back = <Link href={href('jobs')}>← All jobs</Link>;
  const fallback = detailFallback(d, { back, gone: `Job “${id}”`, what: `job ${id}`, hint: `Finished runs stay in the history: /history?namespace=${p.route.namespace}.` });
  if (fallback || !d.data) return fallback ?? null;
  const j = d.data.job;
  return (
    <section aria-labelledby="h-job" data-job={id} data-phase={j.phase}>
      {back}
      <header class="page-head">
        <h1 id="h-job">{id} <Badge>{j.phase}</Badge>{j.reason && <> <Badge>{j.reason}</Badge></>}</h1>
      </header>
      {j.message && <p class="callout">{j.message}</p>}
      <Facts
        items={[
          ['Template', j.template],
          ['Org', j.org],
          ['Result', resultOf(j)],
          ['Exit code', j.exitCode ?? '—'],
          ['Commit status', j.commitStatus ? `${j.commitStatus.state ?? ''} (${j.commitStatus.outcome ?? ''})${j.commitStatus.sha ? ` on ${j.commitStatus.sha.slice(0, 10)}` : ''}` : '—'],
          ['Trace', j.traceId ? <code data-testid="trace-id">{j.traceId}</code> : '—'],
          ['Started', since(j.startedAt)],
          ['Finished', j.finishedAt ? since(j.finishedAt) : '—'],
          ['History', <Link href={href('history', { filters: { namespace: j.namespace } })}>runs in {j.namespace}</Link>],
        ]}
      />
      <h2>Parameters</h2>
      <Facts items={Object.entries(j.params).map(([k, v]) => [k, <code>{v}</code>])} />
      <h2>Attempts</h2>
      {d.data.attempts.length === 0 ? <Empty title="No attempt yet" /> : (
        <div class="table-wrap">
          <table aria-label="Attempts" data-testid="attempts">
            <Head cols={['Attempt', 'Phase', 'Node', 'Created']} />
            <tbody>
              {d.data.attempts.map((a) => (
                <tr key={a.workload} data-attempt={a.attempt} data-phase={a.phase}>
                  <td><Link href={hrefOf('workload', `${j.namespace}/${a.workload}`)}>#{a.attempt}</Link></td>
                  <td><Badge>{a.phase}</Badge></td>
                  <td>{a.node ?? '—'}</td>
                  <td class="nowrap">{since(a.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Artifacts</h2>
      <Artifacts items={j.artifacts} empty={<>The Job has no <code>spec.artifacts</code>, or nothing matched its paths.</>} />
      <h2>Log</h2>
      {j.log ? <Log url={j.log} /> : <Empty title="No archived log">Logs are archived when the Job has <code>spec.artifacts</code> (docs/artifacts.md); until then, <code>kubectl logs</code> of its pod.</Empty>}
      <h2>Conditions</h2>
      <Conditions conditions={j.conditions} />
    </section>
  );
}
