import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

export interface Column<T> {
  /** Sort key in the URL (?sort=key or ?sort=-key); columns without `value` do not sort. */
  key: string;
  label: string;
  value?: (row: T) => string | number;
  render: (row: T) => ComponentChildren;
  class?: string;
  /** Share of the table's width, e.g. "12%" (the table lays out in fixed columns when set). */
  width?: string;
}

interface Props<T> {
  rows: T[];
  columns: Array<Column<T>>;
  rowKey: (row: T) => string;
  /** Current sort, e.g. "-cpu" (default: first column ascending). */
  sort?: string;
  onSort: (sort: string) => void;
  /** Extra attributes per row (data-* for tests and styling). */
  rowProps?: (row: T) => Record<string, string>;
  label: string;
  testid?: string;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
/** Beyond this many rows only those near the viewport are in the DOM (1,000 nodes stay fast). */
const WINDOW_FROM = 150;
const OVERSCAN = 20;

/** The rows of a long table worth rendering now: those in or near the viewport. */
function useWindow(count: number, body: { current: HTMLTableSectionElement | null }) {
  const rowHeight = useRef(41);
  const [range, setRange] = useState({ start: 0, end: Math.min(count, 40) });
  useEffect(() => {
    if (count <= WINDOW_FROM) return;
    let frame = 0;
    const update = () => {
      frame = 0;
      const el = body.current;
      if (!el) return;
      const real = el.querySelectorAll<HTMLElement>('tr:not(.spacer)');
      if (real.length > 0) rowHeight.current = Math.max(16, [...real].reduce((h, r) => h + r.offsetHeight, 0) / real.length);
      const into = -el.getBoundingClientRect().top;
      const start = Math.max(0, Math.floor(into / rowHeight.current) - OVERSCAN);
      const end = Math.min(count, Math.ceil((into + innerHeight) / rowHeight.current) + OVERSCAN);
      setRange((r) => (r.start === start && r.end === end ? r : { start, end }));
    };
    const schedule = () => (frame ||= requestAnimationFrame(update));
    schedule();
    addEventListener('scroll', schedule, { passive: true });
    addEventListener('resize', schedule);
    return () => {
      cancelAnimationFrame(frame);
      removeEventListener('scroll', schedule);
      removeEventListener('resize', schedule);
    };
  }, [count, body]);
  if (count <= WINDOW_FROM) return { start: 0, end: count, rowHeight: rowHeight.current };
  return { start: Math.min(range.start, count), end: Math.min(range.end, count), rowHeight: rowHeight.current };
}

/**
 * A table sorted by clicking its headers (click again to reverse); the sort lives in the URL. Long
 * tables render only the rows near the viewport (spacers keep the scrollbar true to the full length).
 */
export function Table<T>(p: Props<T>) {
  const desc = p.sort?.startsWith('-') ?? false;
  const key = p.sort?.replace(/^-/, '') ?? p.columns[0]!.key;
  const col = p.columns.find((c) => c.key === key && c.value) ?? p.columns[0]!;
  const rows = useMemo(() => {
    const value = col.value;
    if (!value) return p.rows;
    const sorted = [...p.rows].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      return typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    });
    return desc ? sorted.reverse() : sorted;
  }, [p.rows, col, desc]);
  const body = useRef<HTMLTableSectionElement>(null);
  const win = useWindow(rows.length, body);
  const fixed = p.columns.some((c) => c.width);
  const spacer = (n: number, where: string) =>
    n > 0 && (
      <tr class="spacer" aria-hidden="true" key={where} style={{ height: `${n * win.rowHeight}px` }}>
        <td colSpan={p.columns.length} />
      </tr>
    );
  return (
    <div class="table-wrap">
      <table aria-label={p.label} aria-rowcount={rows.length + 1} data-testid={p.testid} data-rows={rows.length} class={`cards${fixed ? ' fixed' : ''}`}>
        {fixed && (
          <colgroup>
            {p.columns.map((c) => <col key={c.key} style={c.width ? { width: c.width } : undefined} />)}
          </colgroup>
        )}
        <thead>
          <tr aria-rowindex={1}>
            {p.columns.map((c) => {
              const active = c === col && c.value;
              const aria = active ? (desc ? 'descending' : 'ascending') : undefined;
              return (
                <th key={c.key} class={c.class} aria-sort={aria} scope="col">
                  {c.value ? (
                    <button type="button" class="sort" data-sort={c.key} onClick={() => p.onSort(active && !desc ? `-${c.key}` : c.key)}>
                      {c.label}
                      <span class="arrow" aria-hidden="true">{active ? (desc ? '▼' : '▲') : ''}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody ref={body}>
          {spacer(win.start, 'top')}
          {rows.slice(win.start, win.end).map((r, i) => (
            <tr key={p.rowKey(r)} aria-rowindex={win.start + i + 2} {...(p.rowProps?.(r) ?? {})}>
              {p.columns.map((c) => {
                const content = c.render(r);
                // Fixed columns cut long text with an ellipsis: the whole value is in the tooltip.
                return (
                  <td key={c.key} class={c.class} data-label={c.label} title={fixed && typeof content === 'string' ? content : undefined}>
                    {content}
                  </td>
                );
              })}
            </tr>
          ))}
          {spacer(rows.length - win.end, 'bottom')}
        </tbody>
      </table>
    </div>
  );
}
