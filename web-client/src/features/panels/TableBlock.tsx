//! `table`: columns and rows; a "Status" column shows badges, an empty table
//! a friendly row. `row_actions` (one list of Buttons per row) and the app's
//! `tableActions` extension share one trailing "Actions" column; `filter: true`
//! adds a text box that keeps the rows where any cell contains the text;
//! `filters` adds a select per listed column ([`ColumnFilters`]),
//! `highlight` flags rows, and `row_ids` with `bulk` makes rows selectable
//! for the bulk actions ([`BulkBar`]); `edit` with `row_ids` makes the listed
//! columns' cells editable in the row ([`EditableCell`]).
import { useId, useState, type ReactNode } from 'react';
import { ActionButton } from './ActionButton';
import { BulkBar, readBulk } from './BulkBar';
import { ColumnFilters, columnsMatch, readColumnFilters } from './ColumnFilters';
import { EditableCell, readEdit } from './EditableCell';
import { formatValue, isStatusColumn, numeric, slug } from './format';
import { asArray, asString, readButton, type BlockContext, type Button, type Cell } from './types';

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
  const columnFilters = readColumnFilters(block.filters, columns);
  const [chosen, setChosen] = useState<Record<number, string>>({});
  const highlight = asArray<unknown>(block.highlight).map((h) => h === true);
  const ids = asArray<unknown>(block.row_ids).map(asString);
  const bulk = readBulk(block.bulk);
  const selectable = bulk !== null && ids.length === rows.length && rows.length > 0;
  const [picked, setPicked] = useState<Set<string>>(() => new Set());
  const edit = ids.length === rows.length ? readEdit(block.edit, columns.length) : null;

  // Keep each row's index in the block: row_actions and the extension are by index.
  const shown = rows
    .map((row, i) => ({ cells: asArray<Cell>(row), i }))
    .filter((r) => (!filterable || rowMatches(r.cells, query)) && columnsMatch(r.cells, chosen));
  const span = Math.max(1, columns.length + (withActions ? 1 : 0) + (selectable ? 1 : 0));
  // Only ids the table still has stay selected (a PANEL_UPDATE may drop rows).
  const selected = selectable ? ids.filter((id) => picked.has(id)) : [];
  const shownIds = shown.map((r) => ids[r.i]);
  const allShown = shownIds.length > 0 && shownIds.every((id) => picked.has(id));
  const toggle = (id: string) =>
    setPicked((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleAll = () =>
    setPicked((prev) => {
      const next = new Set(prev);
      for (const id of shownIds) {
        if (allShown) next.delete(id);
        else next.add(id);
      }
      return next;
    });
  const labelOf = (id: string) => {
    const i = ids.indexOf(id);
    return i >= 0 ? String(asArray<Cell>(rows[i])[0] ?? id) : id;
  };

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
      <ColumnFilters filters={columnFilters} rows={rows.map((r) => asArray<Cell>(r))} chosen={chosen} onChange={setChosen} />
      {selectable && bulk && <BulkBar bulk={bulk} selected={selected} labelOf={labelOf} ctx={ctx} />}
      <div className="panel-table-wrap">
        <table className="panel-table">
          <thead>
            <tr>
              {selectable && (
                <th scope="col" className="select-col">
                  <input type="checkbox" aria-label="Select all shown rows" checked={allShown} onChange={toggleAll} />
                </th>
              )}
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
                <tr key={i} className={highlight[i] ? 'row-flagged' : undefined} data-flagged={highlight[i] || undefined}>
                  {selectable && (
                    <td className="select-cell">
                      <input type="checkbox" aria-label={`Select ${labelOf(ids[i])}`} checked={picked.has(ids[i])} onChange={() => toggle(ids[i])} />
                    </td>
                  )}
                  {cells.map((cell, j) => {
                    const view = <CellView column={columns[j] ?? ''} cell={cell} />;
                    const cellEdit = edit?.columns.get(j);
                    return (
                      <td key={j} className={numeric(cell) ? 'num' : undefined}>
                        {edit && cellEdit ? (
                          <EditableCell edit={cellEdit} table={edit} rowId={ids[i]} rowLabel={labelOf(ids[i])} column={columns[j] ?? ''} cell={cell} ctx={ctx}>
                            {view}
                          </EditableCell>
                        ) : (
                          view
                        )}
                      </td>
                    );
                  })}
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
