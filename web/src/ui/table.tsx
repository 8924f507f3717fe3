import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';

export interface Column<T> {
  /** Sort key in the URL (?sort=key or ?sort=-key); columns without `value` do not sort. */
  key: string;
  label: string;
  value?: (row: T) => string | number;
  render: (row: T) => ComponentChildren;
  class?: string;
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

/** A table sorted by clicking its headers (click again to reverse); the sort lives in the URL. */
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
  return (
    <div class="table-wrap">
      <table aria-label={p.label} data-testid={p.testid} class="cards">
        <thead>
          <tr>
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
        <tbody>
          {rows.map((r) => (
            <tr key={p.rowKey(r)} {...(p.rowProps?.(r) ?? {})}>
              {p.columns.map((c) => (
                <td key={c.key} class={c.class} data-label={c.label}>
                  {c.render(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
