// @vitest-environment happy-dom
// Component tests for the table's column filters, flagged rows and row
// selection with bulk actions (per-row report), and the tabs block, as the
// alliance directory and partner workspace send them (docs/protocol.md).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PanelBody } from '../src/features/panels/PanelView';
import { readTabs } from '../src/features/panels/TabsBlock';
import { columnsMatch, distinct, readColumnFilters } from '../src/features/panels/ColumnFilters';
import { readBulk, readResults } from '../src/features/panels/BulkBar';
import { byText, click, mount, settle, type, unmountAll } from './dom';

afterEach(unmountAll);

const directory = {
  type: 'table',
  columns: ['Alliance', 'Status', 'Region'],
  rows: [
    ['Northwind', 'active', 'EMEA'],
    ['Blue Harbor', 'negotiation', 'North America'],
    ['Atlas', 'prospect', 'EMEA'],
  ],
  row_ids: ['11', '12', '13'],
  highlight: [false, true, false],
  filters: [{ column: 1, label: 'Status' }, { column: 2, label: 'Region' }, { column: 9, label: 'gone' }],
  bulk: { param: 'ids', items: [{ label: 'Move selected to closed', action: 'bulk_status', params: { status: 'closed' } }] },
};

function recorder(answer: unknown = {}) {
  const calls: { action: string; params: Record<string, unknown> }[] = [];
  const act = vi.fn(async (action: string, params: Record<string, unknown>) => {
    calls.push({ action, params });
    return answer;
  });
  return { calls, act };
}
const panel = (blocks: unknown[], act: (a: string, p: Record<string, unknown>) => Promise<unknown>) =>
  mount(<PanelBody kind="alliances.directory" data={{ title: 'Directory', blocks }} act={act} />);
const rowNames = (el: HTMLElement) => [...el.querySelectorAll('tbody tr')].map((tr) => tr.querySelectorAll('td')[1]?.textContent);

describe('table column filters and flagged rows', () => {
  it('reads only columns the table has, and matches every chosen value', () => {
    expect(readColumnFilters(directory.filters, directory.columns)).toEqual([{ column: 1, label: 'Status' }, { column: 2, label: 'Region' }]);
    expect(distinct(directory.rows, 2)).toEqual(['EMEA', 'North America']);
    expect(columnsMatch(['a', 'active', 'EMEA'], { 1: 'active', 2: '' })).toBe(true);
    expect(columnsMatch(['a', 'active', 'EMEA'], { 1: 'active', 2: 'APAC' })).toBe(false);
  });

  it('filters the rows by the selects and flags highlighted rows', async () => {
    const el = await panel([directory], recorder().act);
    expect(el.querySelectorAll('tr.row-flagged')).toHaveLength(1);
    expect(el.querySelector('tr.row-flagged')?.textContent).toContain('Blue Harbor');
    const selects = el.querySelectorAll('.panel-column-filter select');
    expect(selects).toHaveLength(2);
    await type(selects[1], 'EMEA');
    expect(rowNames(el)).toEqual(['Northwind', 'Atlas']);
    await type(selects[0], 'prospect');
    expect(rowNames(el)).toEqual(['Atlas']);
  });
});

describe('row selection and bulk actions', () => {
  it('needs a param and a button', () => {
    expect(readBulk({ param: 'ids', items: [] })).toBeNull();
    expect(readBulk({ items: [{ label: 'x', action: 'y' }] })).toBeNull();
    expect(readResults({ results: [{ id: '1', ok: false, error: { message: 'no' } }] })).toEqual([{ id: '1', ok: false, message: 'no' }]);
    expect(readResults({})).toBeNull();
  });

  it('sends the selected row ids and reports each refused row', async () => {
    const { calls, act } = recorder({ results: [{ id: '11', ok: true }, { id: '12', ok: false, error: { code: 'conflict', message: 'the alliance is closed' } }] });
    const el = await panel([directory], act);
    const bulk = byText(el, 'button', 'Move selected to closed')!;
    expect(bulk.hasAttribute('disabled')).toBe(true);
    await click(el.querySelector('input[aria-label="Select Northwind"]'));
    await click(el.querySelector('input[aria-label="Select Blue Harbor"]'));
    expect(el.querySelector('.panel-bulk-count')?.textContent).toBe('2 selected');
    await click(bulk);
    await settle();
    expect(calls).toEqual([{ action: 'bulk_status', params: { status: 'closed', ids: ['11', '12'] } }]);
    const report = el.querySelector('.panel-bulk-report')!.textContent!;
    expect(report).toContain('1 applied, 1 refused');
    expect(report).toContain('Blue Harbor: the alliance is closed');
  });

  it('selects every shown row at once, and a table without row_ids has no checkboxes', async () => {
    const { calls, act } = recorder({});
    const el = await panel([directory], act);
    await type(el.querySelectorAll('.panel-column-filter select')[1], 'EMEA');
    await click(el.querySelector('input[aria-label="Select all shown rows"]'));
    await click(byText(el, 'button', 'Move selected to closed'));
    await settle();
    expect(calls[0].params.ids).toEqual(['11', '13']);
    const plain = await panel([{ ...directory, row_ids: undefined }], act);
    expect(plain.querySelectorAll('input[type="checkbox"]')).toHaveLength(0);
  });
});

describe('tabs block', () => {
  const tabs = {
    type: 'tabs',
    tabs: [
      { id: 'overview', title: 'Overview', blocks: [{ type: 'text', text: 'Northwind · active' }] },
      { id: 'tasks', title: 'Tasks (1 overdue)', blocks: [{ type: 'table', columns: ['Task'], rows: [['Send the brief']], highlight: [true] }] },
      { id: '', title: 'no id', blocks: [] },
      { id: 'nested', title: 'Nested', blocks: [{ type: 'tabs', tabs: [] }, { type: 'text', text: 'kept' }] },
    ],
  };

  it('drops tabs without an id and nested tabs', () => {
    const read = readTabs(tabs.tabs);
    expect(read.map((t) => t.id)).toEqual(['overview', 'tasks', 'nested']);
    expect(read[2].blocks).toEqual([{ type: 'text', text: 'kept' }]);
  });

  it('shows one tab at a time and switches on click and arrow keys', async () => {
    const el = await panel([tabs], recorder().act);
    const list = [...el.querySelectorAll('[role="tab"]')];
    expect(list.map((t) => t.textContent)).toEqual(['Overview', 'Tasks (1 overdue)', 'Nested']);
    expect(list[0].getAttribute('aria-selected')).toBe('true');
    expect(el.querySelector('[role="tabpanel"]')?.textContent).toContain('Northwind · active');
    await click(list[1]);
    expect(el.querySelector('[role="tabpanel"]')?.textContent).toContain('Send the brief');
    expect(el.querySelector('[role="tabpanel"] tr.row-flagged')).not.toBeNull();
    const { act } = await import('react');
    await act(async () => {
      el.querySelector('[role="tablist"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    });
    expect(el.querySelector('[role="tab"][aria-selected="true"]')?.textContent).toBe('Nested');
  });
});
