//! `table`: columns and rows; a "Status" column shows badges, an empty table
//! a friendly row. `row_actions` (one list of Buttons per row) and the app's
//! `tableActions` extension share one trailing "Actions" column; `filter: true`
//! adds a text box that keeps the rows where any cell contains the text.
import { useId, useState, type ReactNode } from 'react';
import { ActionButton } from './ActionButton';
import { formatValue, isStatusColumn, numeric, slug } from './format';
import { asArray, readButton, type BlockContext, type Button, type Cell } from './types';

function CellView({ column, cell }: { column: string; cell: Cell }) {
  if (isStatusColumn(column) && cell !== '' && cell !== null && cell !== undefined) {
    const s = slug(cell);
    return (
      <span className={`status-badge status-${s}`} data-status={s}>
        {String(cell)}
      </span>
    );
  }
  const text = formatValue(cell);
  if (typeof cell === 'string' && text !== cell) return <time dateTime={cell} title={cell}>{text}</time>;
  return <>{text}</>;
}

/** Whether a row has a cell containing `query` (case-insensitive, as shown or as sent). */
export function rowMatches(row: Cell[], query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return row.some((cell) => {
    const raw = cell === null || cell === undefined ? '' : String(cell);
    return raw.toLowerCase().includes(q) || formatValue(cell).toLowerCase().includes(q);
  });
}

export function TableBlock({ block, ctx }: { block: Record<string, unknown>; ctx: BlockContext }) {
  const columns = asArray<unknown>(block.columns).map(String);
  const rows = asArray<Cell[]>(block.rows);
  const rowButtons = asArray<unknown>(block.row_actions).map((list) => asArray<unknown>(list).map(readButton).filter((b): b is Button => b !== null));
  const hasRowButtons = rowButtons.some((l) => l.length > 0);
  const extension = ctx.tableActions?.({ kind: ctx.kind, columns, rows, reload: ctx.reload }) ?? null;
  const withActions = hasRowButtons || extension !== null;
  const filterable = block.filter === true;
  const [query, setQuery] = useState('');
  const filterId = useId();

  // Keep each row's index in the block: row_actions and the extension are by index.
  const shown = rows.map((row, i) => ({ cells: asArray<Cell>(row), i })).filter((r) => !filterable || rowMatches(r.cells, query));
  const span = Math.max(1, columns.length + (withActions ? 1 : 0));

  const actionsCell = (cells: Cell[], i: number): ReactNode => (
    <td className="actions-cell">
      {extension?.(cells, i)}
      {rowButtons[i]?.length ? (
        <div className="panel-row-actions">
          {rowButtons[i].map((b, k) => (
            <ActionButton key={`${b.action}-${k}`} button={b} ctx={ctx} />
          ))}
        </div>
      ) : null}
    </td>
  );

  return (
    <div className="panel-table-block">
      {filterable && (
        <div className="panel-filter">
          <label htmlFor={filterId}>Filter</label>
          <input id={filterId} type="search" value={query} placeholder="Type to filter rows" onChange={(e) => setQuery(e.target.value)} />
          {query && (
            <span className="panel-filter-count" role="status">
              {shown.length} of {rows.length}
            </span>
          )}
        </div>
      )}
      <div className="panel-table-wrap">
        <table className="panel-table">
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={i} scope="col" className={isStatusColumn(c) ? 'status-col' : undefined}>
                  {c}
                </th>
              ))}
              {withActions && (
                <th scope="col" className="actions-col">
                  Actions
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 ? (
              <tr className="panel-table-empty">
                <td colSpan={span}>{rows.length === 0 ? 'Nothing here yet.' : 'No rows match the filter.'}</td>
              </tr>
            ) : (
              shown.map(({ cells, i }) => (
                <tr key={i}>
                  {cells.map((cell, j) => (
                    <td key={j} className={numeric(cell) ? 'num' : undefined}>
                      <CellView column={columns[j] ?? ''} cell={cell} />
                    </td>
                  ))}
                  {/* Short rows keep the actions column aligned. */}
                  {withActions && cells.length < columns.length && <td colSpan={columns.length - cells.length} />}
                  {withActions && actionsCell(cells, i)}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
