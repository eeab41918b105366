//! A table's `edit: {action, param, columns: {"<index>": {field, input, options?, max_length?}}}`
//! over its `row_ids`: the listed columns' cells get an Edit button that turns
//! the cell into a text box or select with Save / Cancel (Enter saves, Escape
//! cancels). Saving sends `panel.action {action, params: {<param>: row id,
//! field, value}}`; the server checks it (like its PATCH route) and the new
//! value arrives with PANEL_UPDATE. A refusal is shown in the row.
import { useId, useState, type ReactNode } from 'react';
import { ActionError } from './ActionButton';
import { useAction } from './useAction';
import { asArray, asObject, asString, type BlockContext, type Cell } from './types';

export interface EditOption {
  value: string;
  label: string;
}

export interface CellEdit {
  field: string;
  input: 'text' | 'select';
  options: EditOption[];
  maxLength?: number;
}

export interface TableEdit {
  action: string;
  param: string;
  /** By column index. */
  columns: Map<number, CellEdit>;
}

/** The table's inline edits, or null without an action, a param or any valid column. */
export function readEdit(v: unknown, columnCount: number): TableEdit | null {
  const e = asObject(v);
  const action = asString(e.action);
  const param = asString(e.param);
  const columns = new Map<number, CellEdit>();
  for (const [key, spec] of Object.entries(asObject(e.columns))) {
    const index = Number(key);
    const s = asObject(spec);
    const field = asString(s.field);
    if (!Number.isInteger(index) || index < 0 || index >= columnCount || !field) continue;
    const options = asArray<unknown>(s.options)
      .map((o) => asObject(o))
      .map((o) => ({ value: asString(o.value), label: asString(o.label) || asString(o.value) }))
      .filter((o) => o.value !== '');
    const select = s.input === 'select';
    if (select && options.length === 0) continue;
    const max = typeof s.max_length === 'number' && s.max_length > 0 ? s.max_length : undefined;
    columns.set(index, { field, input: select ? 'select' : 'text', options, maxLength: max });
  }
  return action && param && columns.size > 0 ? { action, param, columns } : null;
}

/** The value an editor starts from: for a select, the option shown in the cell (by label, then value). */
export function startValue(edit: CellEdit, cell: Cell): string {
  const shown = cell === null || cell === undefined ? '' : String(cell);
  if (edit.input === 'text') return shown;
  const hit = edit.options.find((o) => o.label === shown) ?? edit.options.find((o) => o.value === shown);
  return (hit ?? edit.options[0]).value;
}

export function EditableCell({
  edit,
  table,
  rowId,
  rowLabel,
  column,
  cell,
  ctx,
  children,
}: {
  edit: CellEdit;
  table: TableEdit;
  rowId: string;
  rowLabel: string;
  column: string;
  cell: Cell;
  ctx: BlockContext;
  children: ReactNode;
}) {
  const { pending, error, run, clearError } = useAction(ctx.act);
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  const id = useId();
  const label = `${column} of ${rowLabel}`;
  const open = () => {
    clearError();
    setValue(startValue(edit, cell));
    setEditing(true);
  };
  const save = async () => {
    const ok = await run(table.action, { [table.param]: rowId, field: edit.field, value });
    if (ok) setEditing(false);
  };
  if (!editing) {
    return (
      <span className="panel-cell-editable">
        {children}
        <button type="button" className="panel-cell-edit btn-secondary" aria-label={`Edit ${label}`} onClick={open}>
          ✎
        </button>
      </span>
    );
  }
  return (
    <form
      className="panel-cell-editor"
      data-field={edit.field}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setEditing(false);
      }}
    >
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      {edit.input === 'select' ? (
        <select id={id} value={value} disabled={pending} onChange={(e) => setValue(e.target.value)}>
          {edit.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ) : (
        <input id={id} type="text" value={value} maxLength={edit.maxLength} disabled={pending} autoFocus onChange={(e) => setValue(e.target.value)} />
      )}
      <button type="submit" className="btn-accent" disabled={pending} aria-busy={pending || undefined}>
        Save
      </button>
      <button type="button" className="btn-secondary" disabled={pending} onClick={() => setEditing(false)}>
        Cancel
      </button>
      <ActionError error={error} />
    </form>
  );
}
