import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { changed } from '../data.ts';
import { useMe, useNotify } from '../session.ts';

/**
 * Cordon / Uncordon, shown only to users RBAC allows (the API refuses the others anyway, 403).
 */
export function CordonButton(p: { node: string; unschedulable: boolean; compact?: boolean }) {
  const me = useMe();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const verb = p.unschedulable ? 'uncordon' : 'cordon';
  if (!me?.can[verb]) return null;
  const run = async () => {
    setBusy(true);
    try {
      await api(`/api/v1/nodes/${encodeURIComponent(p.node)}/${verb}`, { method: 'POST' });
      notify({ text: `${p.node} ${p.unschedulable ? 'uncordoned: new workloads may be placed on it' : 'cordoned: no new workloads will be placed on it'}`, tone: 'ok' });
      changed(['nodes']);
    } catch (err) {
      notify({ text: `Could not ${verb} ${p.node}: ${err instanceof ApiError ? err.message : String(err)}`, tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class={p.compact ? 'small' : ''} data-action={verb} data-node={p.node} disabled={busy} onClick={() => void run()} title={p.unschedulable ? 'Allow new workloads on this node' : 'Stop placing new workloads on this node (running ones stay)'}>
      {busy ? '…' : p.unschedulable ? 'Uncordon' : 'Cordon'}
    </button>
  );
}

/** Delete a Workload after a confirmation; only for users RBAC allows. */
export function DeleteWorkloadButton(p: { namespace: string; name: string; onDeleted?: () => void }) {
  const me = useMe();
  const notify = useNotify();
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!me?.can.deleteWorkloads && !me?.deleteWorkloadNamespaces.includes(p.namespace)) return null;
  const run = async () => {
    setBusy(true);
    try {
      await api(`/api/v1/workloads/${encodeURIComponent(p.namespace)}/${encodeURIComponent(p.name)}`, { method: 'DELETE' });
      notify({ text: `Workload ${p.namespace}/${p.name} deleted`, tone: 'ok' });
      changed(['workloads']);
      p.onDeleted?.();
    } catch (err) {
      notify({ text: `Could not delete ${p.namespace}/${p.name}: ${err instanceof ApiError ? err.message : String(err)}`, tone: 'bad' });
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  };
  if (!confirm) return <button type="button" class="danger" data-action="delete" onClick={() => setConfirm(true)}>Delete</button>;
  return (
    <span class="confirm" role="group" aria-label="Confirm deletion">
      Delete {p.name}?{' '}
      <button type="button" class="danger" data-action="confirm-delete" disabled={busy} onClick={() => void run()}>Delete</button>{' '}
      <button type="button" onClick={() => setConfirm(false)}>Cancel</button>
    </span>
  );
}
