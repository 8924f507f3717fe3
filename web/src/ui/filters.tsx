import { useEffect, useState } from 'preact/hooks';
import { href, navigate, type Filters, type Route } from '../route.ts';

interface Props {
  route: Route;
  orgs?: string[];
  tags?: string[];
  phases?: string[];
  templates?: string[];
  /** What the name box filters, e.g. "nodes" (no name box without it). */
  noun?: string;
}

/** Org, tag and phase menus plus a name filter; every change is reflected in the URL. */
export function FilterBar(p: Props) {
  const f = p.route.filters;
  const set = (patch: Partial<Filters>, replace = false) =>
    navigate(href(p.route.view, { name: p.route.name, namespace: p.route.namespace, filters: { ...f, ...patch } }), replace);
  const [text, setText] = useState(f.q ?? '');
  useEffect(() => setText(f.q ?? ''), [f.q]);
  useEffect(() => {
    if ((f.q ?? '') === text) return;
    const t = setTimeout(() => set({ q: text || undefined }, true), 150);
    return () => clearTimeout(t);
  }, [text]);
  const menu = (label: string, key: 'org' | 'tag' | 'phase' | 'template', options: string[] | undefined) =>
    options && (
      <label class="filter">
        <span>{label}</span>
        <select data-filter={key} value={f[key] ?? ''} onChange={(e) => set({ [key]: (e.target as HTMLSelectElement).value || undefined })}>
          <option value="">All</option>
          {/* A value from the URL that no object has any more stays selectable, so the empty result explains itself. */}
          {[...new Set([...(f[key] ? [f[key]!] : []), ...options])].map((o) => (
            <option key={o} value={o}>{o}</option>
          ))}
        </select>
      </label>
    );
  const active = Boolean(f.org || f.tag || f.phase || f.template || f.q);
  return (
    <div class="filters" role="search">
      {p.noun && (
        <label class="filter grow">
          <span>Name</span>
          <input type="search" placeholder={`Filter ${p.noun}…`} value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} data-filter="q" />
        </label>
      )}
      {menu('Org', 'org', p.orgs)}
      {menu('Tag', 'tag', p.tags)}
      {menu('Template', 'template', p.templates)}
      {menu('Phase', 'phase', p.phases)}
      {active && (
        <button type="button" class="link" onClick={() => navigate(href(p.route.view, { filters: f.sort ? { sort: f.sort } : {} }))}>
          Clear filters
        </button>
      )}
    </div>
  );
}
