//! A table's `filters: [{column, label}]`: one select per listed column whose
//! options are that column's distinct values; a row is shown when it matches
//! every chosen value (docs/protocol.md, `table`).
import { useId } from 'react';
import { asArray, asObject, asString, type Cell } from './types';

export interface ColumnFilter {
  column: number;
  label: string;
}

/** The block's column filters, keeping only columns the table has. */
export function readColumnFilters(v: unknown, columns: string[]): ColumnFilter[] {
  return asArray<unknown>(v)
    .map((x) => asObject(x))
    .filter((f) => typeof f.column === 'number' && Number.isInteger(f.column) && (f.column as number) >= 0 && (f.column as number) < columns.length)
    .map((f) => ({ column: f.column as number, label: asString(f.label) || columns[f.column as number] }));
}

const text = (c: Cell | undefined) => (c === null || c === undefined ? '' : String(c));

/** Does `row` match every chosen value (column index → value; "" is any)? */
export function columnsMatch(row: Cell[], chosen: Record<number, string>): boolean {
  return Object.entries(chosen).every(([col, want]) => want === '' || text(row[Number(col)]) === want);
}

/** The distinct non-empty values of `column`, sorted. */
export function distinct(rows: Cell[][], column: number): string[] {
  return [...new Set(rows.map((r) => text(r[column])).filter((v) => v !== ''))].sort((a, b) => a.localeCompare(b));
}

export function ColumnFilters({ filters, rows, chosen, onChange }: { filters: ColumnFilter[]; rows: Cell[][]; chosen: Record<number, string>; onChange: (next: Record<number, string>) => void }) {
  const base = useId();
  if (filters.length === 0) return null;
  return (
    <div className="panel-column-filters">
      {filters.map((f) => {
        const id = `${base}-${f.column}`;
        return (
          <span key={f.column} className="panel-column-filter">
            <label htmlFor={id}>{f.label}</label>
            <select id={id} value={chosen[f.column] ?? ''} onChange={(e) => onChange({ ...chosen, [f.column]: e.target.value })}>
              <option value="">All</option>
              {distinct(rows, f.column).map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </span>
        );
      })}
    </div>
  );
}
