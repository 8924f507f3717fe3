import type { ConditionView, WorkloadRow } from '../../../src/server/dashboard/types.ts';
import { bytes, cores, since } from '../format.ts';
import { href } from '../route.ts';
import { Badge, Empty, Link } from '../ui/bits.tsx';

/** Conditions as a table: type, status, reason, message, since when. */
export function Conditions(p: { conditions: ConditionView[] }) {
  if (p.conditions.length === 0) return <Empty title="No conditions reported yet" />;
  return (
    <div class="table-wrap">
      <table aria-label="Conditions" data-testid="conditions">
        <thead>
          <tr><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Message</th><th scope="col">Since</th></tr>
        </thead>
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
        <thead>
          <tr><th scope="col">Workload</th><th scope="col">Org</th><th scope="col">Phase</th><th scope="col">Node</th><th scope="col">Requests</th><th scope="col">Score</th></tr>
        </thead>
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
