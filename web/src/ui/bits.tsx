import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api.ts';
import { navigate } from '../route.ts';
import { pct } from '../format.ts';

/** A link inside the app: no reload, and still a real link (open in new tab, copy address). */
export function Link(p: { href: string; children: ComponentChildren; class?: string; title?: string }) {
  return (
    <a
      href={p.href}
      class={p.class}
      title={p.title}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(p.href);
      }}
    >
      {p.children}
    </a>
  );
}

const TONE: Record<string, string> = {
  True: 'ok', Ready: 'ok', Running: 'ok', Succeeded: 'ok', Reachable: 'ok', online: 'ok',
  False: 'bad', NotReady: 'bad', Failed: 'bad', Unreachable: 'bad', offline: 'bad',
  Pending: 'warn', Scheduled: 'info', Cordoned: 'warn', Unknown: 'muted', Warning: 'warn', Normal: 'muted',
};

/** A status pill; the colour follows the word, and the word is always there (not colour alone). */
export function Badge(p: { children: string; title?: string }) {
  return <span class={`badge ${TONE[p.children] ?? 'muted'}`} title={p.title}>{p.children}</span>;
}

export function Tags(p: { tags: string[] }) {
  if (p.tags.length === 0) return <span class="muted">—</span>;
  return <span class="tags">{p.tags.map((t) => <span key={t} class="tag">{t}</span>)}</span>;
}

/** used / total as a bar with the numbers beside it. */
export function Bar(p: { used: number; total: number; label: string; format: (n: number) => string; testid?: string }) {
  const v = pct(p.used, p.total);
  return (
    <div class="bar" data-testid={p.testid}>
      <div class="bar-head">
        <span>{p.label}</span>
        <span class="num">
          {p.format(p.used)} / {p.format(p.total)} <span class="muted">({p.total > 0 ? `${v}%` : 'none'})</span>
        </span>
      </div>
      <div class="bar-track" role="meter" aria-label={p.label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={v}>
        <div class={`bar-fill ${v >= 90 ? 'bad' : v >= 70 ? 'warn' : ''}`} style={{ width: `${v}%` }} />
      </div>
    </div>
  );
}

/** A compact used/total for table cells. */
export function UsedOf(p: { used: number; total: number; format: (n: number) => string }) {
  if (p.total === 0 && p.used === 0) return <span class="muted">—</span>;
  return (
    <span class="usedof" title={`${pct(p.used, p.total)}% allocated`}>
      <span class="num">{p.format(p.used)}</span>
      <span class="muted"> / {p.format(p.total)}</span>
      <span class="mini"><span style={{ width: `${pct(p.used, p.total)}%` }} /></span>
    </span>
  );
}

export function Empty(p: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty" role="status">
      <strong>{p.title}</strong>
      {p.children && <div>{p.children}</div>}
    </div>
  );
}

/** An API error in words: what happened and what to do. */
export function Problem(p: { error: ApiError; what: string; onRetry?: () => void }) {
  const e = p.error;
  const title = e.status === 403 ? `You may not see ${p.what}` : e.status === 404 ? `${p.what} not found` : e.status === 0 ? 'The operator cannot be reached' : `Could not load ${p.what}`;
  return (
    <div class="problem" role="alert" data-testid="problem" data-status={e.status}>
      <strong>{title}</strong>
      <p>{e.message}</p>
      {e.status === 403 && e.body?.missing && (
        <p class="muted">
          Missing RBAC permission: <code>{e.body.missing.verb}</code> on <code>{e.body.missing.resource}.{e.body.missing.group}</code>. Ask a cluster admin to bind the weft-viewer ClusterRole to you.
        </p>
      )}
      {p.onRetry && e.status !== 404 && e.status !== 403 && <button type="button" onClick={p.onRetry}>Try again</button>}
    </div>
  );
}

export function Notices(p: { notices: string[] }) {
  if (p.notices.length === 0) return null;
  return (
    <div class="notice" role="status" data-testid="notices">
      {p.notices.map((n) => <div key={n}>Note: {n}.</div>)}
    </div>
  );
}

export function Loading(p: { what: string }) {
  return <div class="loading" aria-busy="true">Loading {p.what}…</div>;
}

/** A definition list of facts about an object. */
export function Facts(p: { items: Array<[string, ComponentChildren]> }) {
  return (
    <dl class="facts">
      {p.items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
