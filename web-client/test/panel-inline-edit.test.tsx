// @vitest-environment happy-dom
// Component tests for the table's inline edits (`edit` over `row_ids`), as
// the alliance directory sends them (docs/protocol.md): the cell's editor,
// the action it sends, and a refusal shown in the row.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PanelBody } from '../src/features/panels/PanelView';
import { readEdit, startValue } from '../src/features/panels/EditableCell';
import { byText, click, mount, settle, type, unmountAll } from './dom';

afterEach(unmountAll);

const owners = [
  { value: '7', label: 'Sam Staff' },
  { value: '8', label: 'Ada Admin' },
];
const directory = {
  type: 'table',
  columns: ['Alliance', 'Tier', 'Owner'],
  rows: [
    ['Northwind', 'gold', 'Sam Staff'],
    ['Atlas', 'silver', 'Ada Admin'],
  ],
  row_ids: ['11', '13'],
  edit: {
    action: 'edit_field',
    param: 'alliance_id',
    columns: { '1': { field: 'tier', input: 'text', max_length: 80 }, '2': { field: 'owner_id', input: 'select', options: owners }, '9': { field: 'gone' } },
  },
};
const panel = (blocks: unknown[], act: (a: string, p: Record<string, unknown>) => Promise<unknown>) =>
  mount(<PanelBody kind="alliances.directory" data={{ title: 'Directory', blocks }} act={act} />);

describe('inline edits in a table', () => {
  it('reads only columns the table has, and a select needs options', () => {
    const e = readEdit(directory.edit, 3)!;
    expect([...e.columns.keys()]).toEqual([1, 2]);
    expect(e.columns.get(1)).toEqual({ field: 'tier', input: 'text', options: [], maxLength: 80 });
    expect(readEdit({ action: 'x', param: 'id', columns: { '0': { field: 'f', input: 'select', options: [] } } }, 3)).toBeNull();
    expect(readEdit({ param: 'id', columns: { '0': { field: 'f' } } }, 3)).toBeNull();
    expect(startValue(e.columns.get(2)!, 'Ada Admin')).toBe('8');
    expect(startValue(e.columns.get(1)!, 'gold')).toBe('gold');
  });

  it('sends the row id, field and value, and closes the editor on success', async () => {
    const calls: unknown[] = [];
    const act = vi.fn(async (action: string, params: Record<string, unknown>) => {
      calls.push({ action, params });
      return { alliance: {} };
    });
    const el = await panel([directory], act);
    expect(el.querySelectorAll('.panel-cell-edit')).toHaveLength(4);
    await click(el.querySelector('button[aria-label="Edit Tier of Northwind"]'));
    const input = el.querySelector('.panel-cell-editor input')!;
    expect((input as HTMLInputElement).value).toBe('gold');
    await type(input, 'platinum');
    await click(byText(el, 'button', 'Save'));
    await settle();
    expect(calls).toEqual([{ action: 'edit_field', params: { alliance_id: '11', field: 'tier', value: 'platinum' } }]);
    expect(el.querySelector('.panel-cell-editor')).toBeNull();

    await click(el.querySelector('button[aria-label="Edit Owner of Atlas"]'));
    const select = el.querySelector('.panel-cell-editor select') as HTMLSelectElement;
    expect(select.value).toBe('8');
    await type(select, '7');
    await click(byText(el, 'button', 'Save'));
    await settle();
    expect(calls[1]).toEqual({ action: 'edit_field', params: { alliance_id: '13', field: 'owner_id', value: '7' } });
  });

  it('shows a refusal in the row and keeps the editor open; Cancel restores the cell', async () => {
    const act = vi.fn(async () => {
      throw { code: 'forbidden', message: 'Northwind is owned by another staff member' };
    });
    const el = await panel([directory], act);
    await click(el.querySelector('button[aria-label="Edit Tier of Northwind"]'));
    await click(byText(el, 'button', 'Save'));
    await settle();
    const row = el.querySelectorAll('tbody tr')[0];
    expect(row.querySelector('[role="alert"]')?.textContent).toBe('Not allowed: Northwind is owned by another staff member');
    expect(row.querySelector('.panel-cell-editor')).not.toBeNull();
    await click(byText(el, 'button', 'Cancel'));
    expect(row.querySelector('.panel-cell-editor')).toBeNull();
    expect(row.textContent).toContain('gold');
  });

  it('a table without row_ids has no editable cells', async () => {
    const el = await panel([{ ...directory, row_ids: undefined }], vi.fn());
    expect(el.querySelectorAll('.panel-cell-edit')).toHaveLength(0);
  });
});
