import type { ComponentChildren, JSX } from 'preact';
import type { ArtifactView, ConditionView, WorkloadRow } from '../../../src/server/dashboard/types.ts';
import { download } from '../api.ts';
import type { Data } from '../data.ts';
import { bytes, cores, since } from '../format.ts';
import { href } from '../route.ts';
import { useNotify } from '../session.ts';
import { Badge, Empty, Link, Loading, Problem } from '../ui/bits.tsx';

/** A table header row of plain column titles. */
export function Head(p: { cols: string[] }) {
  return (
    <thead>
      <tr>{p.cols.map((c) => <th scope="col" key={c}>{c}</th>)}</tr>
    </thead>
  );
}

/**
 * What a detail page shows until its data is there: that the object is gone (404), the error with a
 * retry, or loading; undefined once there is data to show.
 */
export function detailFallback<T>(d: Data<T>, o: { back: ComponentChildren; gone: string; what: string; hint?: string }): JSX.Element | undefined {
  if (d.error?.status === 404) {
    return (
      <section>
        {o.back}
        <div class="problem" role="alert" data-testid="gone">
          <strong>{o.gone} does not exist</strong>
          <p>It was deleted, or never existed.{o.hint === undefined ? '' : ` ${o.hint}`}</p>
        </div>
      </section>
    );
  }
  if (d.error && !d.data) return <section>{o.back}<Problem error={d.error} what={o.what} onRetry={d.reload} /></section>;
  if (!d.data) return <Loading what={o.what} />;
  return undefined;
}

/** Conditions as a table: type, status, reason, message, since when. */
export function Conditions(p: { conditions: ConditionView[] }) {
  if (p.conditions.length === 0) return <Empty title="No conditions reported yet" />;
  return (
    <div class="table-wrap">
      <table aria-label="Conditions" data-testid="conditions">
        <Head cols={['Type', 'Status', 'Reason', 'Message', 'Since']} />
        <tbody>
          {p.conditions.map((c) => (
            <tr key={c.type} data-condition={c.type} data-status={c.status}>
              <td>{c.type}</td>
              <td><Badge>{c.status}</Badge></td>
              <td>{c.reason ?? ''}</td>
              <td class="wrap">{c.message ?? ''}</td>
              <td class="nowrap">{since(c.lastTransitionTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export const requests = (w: WorkloadRow) => [`${cores(w.requests.cpu)} CPU`, bytes(w.requests.memory), w.requests.gpus ? `${w.requests.gpus} GPU` : ''].filter(Boolean).join(' · ');

/** Why a Pending workload is not placed: the first rejection and how many more. */
export function PendingReason(p: { w: WorkloadRow }) {
  const w = p.w;
  if (w.phase !== 'Pending') return null;
  if (w.rejected.length === 0) return <span class="muted">{w.message ?? 'waiting for the scheduler'}</span>;
  const first = w.rejected[0]!;
  return (
    <span class="reason" title={w.rejected.map((r) => `${r.candidate}: ${r.reason}`).join('\n')}>
      {first.candidate}: {first.reason}
      {w.rejected.length > 1 && <span class="muted"> (+{w.rejected.length - 1} more)</span>}
    </span>
  );
}

/** A short workloads table for detail pages. */
export function WorkloadList(p: { items: WorkloadRow[]; empty: string }) {
  if (p.items.length === 0) return <Empty title={p.empty} />;
  return (
    <div class="table-wrap">
      <table aria-label="Workloads" data-testid="workloads-list">
        <Head cols={['Workload', 'Org', 'Phase', 'Node', 'Requests', 'Score']} />
        <tbody>
          {p.items.map((w) => (
            <tr key={`${w.namespace}/${w.name}`} data-workload={`${w.namespace}/${w.name}`}>
              <td><Link href={href('workload', { namespace: w.namespace, name: w.name })}>{w.namespace}/{w.name}</Link></td>
              <td>{w.org}</td>
              <td><Badge>{w.phase}</Badge></td>
              <td>{w.node ? <Link href={href('node', { name: w.node })}>{w.node}</Link> : <span class="muted">—</span>}</td>
              <td class="nowrap">{requests(w)}</td>
              <td class="num">{w.score ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Published artifacts of a Job or AgentTask, each with a Download button (through the operator, RBAC-checked). */
export function Artifacts(p: { items: ArtifactView[]; empty: ComponentChildren }) {
  const notify = useNotify();
  if (p.items.length === 0) return <Empty title="No artifacts">{p.empty}</Empty>;
  const save = (name: string, url: string) => download(url, name.split('/').pop()!).catch((err: Error) => notify({ text: `Could not download ${name}: ${err.message}`, tone: 'bad' }));
  return (
    <div class="table-wrap">
      <table aria-label="Artifacts" data-testid="artifacts">
        <Head cols={['Name', 'Size', 'Digest', '']} />
        <tbody>
          {p.items.map((a) => (
            <tr key={a.name} data-artifact={a.name}>
              <td>{a.name}</td>
              <td class="num">{a.size !== undefined ? bytes(a.size) : '—'}</td>
              <td class="small"><code>{a.digest?.slice(0, 19) ?? '—'}</code></td>
              <td>{a.url && <button type="button" class="small" data-action="download" onClick={() => void save(a.name, a.url!)}>Download</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
