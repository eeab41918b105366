// @vitest-environment happy-dom
// Component tests for the interactive panel blocks that send panel.action:
// actions (confirm, pending, errors), checklist, table row_actions and filter,
// activity. Rendered in happy-dom through PanelBody with a recording `act`.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PanelBody } from '../src/features/panels/PanelView';
import { actionErrorText } from '../src/features/panels/useAction';
import { relativeTime } from '../src/features/panels/format';
import { RequestError } from '../src/lib/realtime/client';
import { byText, click, deferred, mount, settle, type, unmountAll } from './dom';

afterEach(unmountAll);

type Call = { action: string; params: Record<string, unknown> };
function recorder(answer: (c: Call) => Promise<unknown> = async () => ({})) {
  const calls: Call[] = [];
  const act = vi.fn((action: string, params: Record<string, unknown>) => {
    const c = { action, params };
    calls.push(c);
    return answer(c);
  });
  return { calls, act };
}
const panel = (blocks: unknown[], act: (a: string, p: Record<string, unknown>) => Promise<unknown>, extra: Record<string, unknown> = {}) =>
  mount(<PanelBody kind="test.panel" data={{ title: 'Test', blocks }} act={act} {...extra} />);

describe('actions block', () => {
  const block = {
    type: 'actions',
    items: [
      { label: 'Approve application', action: 'approve', params: { application_id: 42 }, style: 'primary' },
      { label: 'Reject', action: 'reject', params: { application_id: 42 }, style: 'danger', confirm: 'Reject this application? The partner is told.' },
      { label: 'Plain', action: 'nudge' },
      { label: 'No action here' },
    ],
  };

  it('renders buttons with their styles; one without an action is skipped', async () => {
    const el = await panel([block], recorder().act);
    const buttons = [...el.querySelectorAll('.panel-actions button')];
    expect(buttons.map((b) => [b.textContent, b.className, b.getAttribute('type')])).toEqual([
      ['Approve application', 'btn-accent', 'button'],
      ['Reject', 'btn-danger', 'button'],
      ['Plain', 'btn-secondary', 'button'],
    ]);
  });

  it('sends panel.action {action, params}, disabled while pending, no error on success', async () => {
    const d = deferred();
    const { calls, act } = recorder(() => d.promise);
    const el = await panel([block], act);
    const btn = byText(el, 'button', 'Approve application')!;
    await click(btn);
    expect(calls).toEqual([{ action: 'approve', params: { application_id: 42 } }]);
    expect(btn.hasAttribute('disabled')).toBe(true);
    expect(btn.getAttribute('aria-busy')).toBe('true');
    await click(btn); // ignored while pending
    expect(calls).toHaveLength(1);
    d.resolve({});
    await settle();
    expect(btn.hasAttribute('disabled')).toBe(false);
    expect(el.querySelector('[role="alert"]')).toBeNull();
  });

  it('asks before a confirm button sends; cancel sends nothing', async () => {
    const { calls, act } = recorder();
    const el = await panel([block], act);
    await click(byText(el, 'button', 'Reject'));
    const dialog = el.querySelector('[role="alertdialog"]')!;
    expect(dialog.textContent).toContain('Reject this application? The partner is told.');
    expect(document.activeElement?.textContent).toBe('Cancel');
    expect(calls).toHaveLength(0);
    await click(byText(dialog, 'button', 'Cancel'));
    expect(el.querySelector('[role="alertdialog"]')).toBeNull();
    expect(calls).toHaveLength(0);
    await click(byText(el, 'button', 'Reject'));
    await click(byText(el.querySelector('[role="alertdialog"]')!, 'button', 'Reject'));
    expect(calls).toEqual([{ action: 'reject', params: { application_id: 42 } }]);
  });

  it('shows the server’s refusal next to the block', async () => {
    const { act } = recorder(async () => {
      throw new RequestError('conflict', 'application 42 is approved, not submitted');
    });
    const el = await panel([block], act);
    await click(byText(el, 'button', 'Approve application'));
    await settle();
    expect(el.querySelector('.panel-actions [role="alert"]')?.textContent).toBe('application 42 is approved, not submitted');
  });

  it('words every error code', () => {
    expect(actionErrorText(new RequestError('bad_request', 'unknown action "x"'))).toBe('unknown action "x"');
    expect(actionErrorText(new RequestError('forbidden', 'staff only'))).toBe('Not allowed: staff only');
    expect(actionErrorText(new RequestError('not_found', 'no application 9'))).toBe('Not found: no application 9');
    expect(actionErrorText(new RequestError('conflict', 'deal is in stage won'))).toBe('deal is in stage won');
    expect(actionErrorText(new RequestError('rate_limited', 'slow down', 2500))).toBe('slow down Try again in 3 s.');
    expect(actionErrorText(new RequestError('unavailable', 'store down'))).toBe('The server is unavailable right now; try again. (store down)');
    expect(actionErrorText(new RequestError('disconnected', 'Not connected'))).toBe('Not connected to the server; try again once reconnected.');
  });
});

describe('checklist block', () => {
  const block = {
    type: 'checklist',
    items: [
      { id: 'profile', label: 'Complete your profile', done: true, done_at: '2026-11-20T09:30:00Z', auto: true },
      { id: 'course', label: 'Finish the sales course', done: false, hint: 'About 40 minutes', auto: true },
      { id: 'call', label: 'Book a kickoff call', done: false, action: { label: 'Mark done', action: 'tick', params: { item: 'call' } } },
      { id: 'nda', label: 'Sign the NDA', done: true, done_at: '2026-11-21', action: { label: 'Untick', action: 'untick', params: { item: 'nda' } } },
    ],
  };

  it('shows done state, local done_at, hint and auto items as not clickable', async () => {
    const el = await panel([block], recorder().act);
    expect(el.querySelector('.checklist-count')?.textContent).toBe('2 of 4 done');
    const items = [...el.querySelectorAll('.checklist-item')];
    expect(items.map((i) => i.getAttribute('data-item'))).toEqual(['profile', 'course', 'call', 'nda']);
    const profile = items[0];
    expect(profile.querySelector('button')).toBeNull();
    expect(profile.querySelector('[role="checkbox"]')?.getAttribute('aria-checked')).toBe('true');
    expect(profile.querySelector('[role="checkbox"]')?.getAttribute('aria-disabled')).toBe('true');
    expect(profile.textContent).toContain('ticks itself');
    const when = profile.querySelector('time')!;
    expect(when.getAttribute('dateTime')).toBe('2026-11-20T09:30:00Z');
    expect(when.textContent).toBe(new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(Date.parse('2026-11-20T09:30:00Z')));
    expect(items[1].textContent).toContain('About 40 minutes');
    expect(items[1].querySelector('time')).toBeNull(); // not done: no done_at
    expect(items[1].querySelector('button')).toBeNull();
  });

  it('an item with an action is a checkbox button that sends it', async () => {
    const { calls, act } = recorder();
    const el = await panel([block], act);
    const call = el.querySelector('[data-item="call"] button')!;
    expect(call.getAttribute('role')).toBe('checkbox');
    expect(call.getAttribute('aria-checked')).toBe('false');
    expect(call.getAttribute('title')).toBe('Mark done');
    await click(call);
    await click(el.querySelector('[data-item="nda"] button'));
    expect(calls).toEqual([
      { action: 'tick', params: { item: 'call' } },
      { action: 'untick', params: { item: 'nda' } },
    ]);
  });
});

describe('table row_actions and filter', () => {
  const block = {
    type: 'table',
    columns: ['Client', 'Status', 'Value'],
    rows: [
      ['Globex', 'open', '1,200.00 USD'],
      ['Initech', 'won', '3,050.00 USD'],
      ['Acme Corp', 'open', 99],
    ],
    row_actions: [[{ label: 'Close', action: 'close', params: { id: 'g' } }], [], [{ label: 'Close', action: 'close', params: { id: 'a' } }, { label: 'Drop', action: 'drop', params: { id: 'a' }, style: 'danger' }]],
    filter: true,
  };

  it('puts each row’s buttons in an actions cell that sends their params', async () => {
    const { calls, act } = recorder();
    const el = await panel([block], act);
    expect(el.querySelector('th.actions-col')?.textContent).toBe('Actions');
    const rows = [...el.querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.querySelectorAll('.actions-cell button').length)).toEqual([1, 0, 2]);
    await click(byText(rows[2], 'button', 'Close'));
    expect(calls).toEqual([{ action: 'close', params: { id: 'a' } }]);
  });

  it('filters rows by any cell, keeping each row’s own actions', async () => {
    const { calls, act } = recorder();
    const el = await panel([block], act);
    const box = el.querySelector<HTMLInputElement>('.panel-filter input')!;
    expect(el.querySelector(`label[for="${box.id}"]`)?.textContent).toBe('Filter');
    await type(box, 'ACME');
    let rows = [...el.querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.querySelector('td')?.textContent)).toEqual(['Acme Corp']);
    expect(el.querySelector('.panel-filter-count')?.textContent).toBe('1 of 3');
    await click(byText(rows[0], 'button', 'Drop'));
    expect(calls).toEqual([{ action: 'drop', params: { id: 'a' } }]);
    await type(box, 'open');
    rows = [...el.querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.querySelector('td')?.textContent)).toEqual(['Globex', 'Acme Corp']);
    await type(box, '3,050');
    expect([...el.querySelectorAll('tbody tr')].map((r) => r.querySelector('td')?.textContent)).toEqual(['Initech']);
    await type(box, 'nothing like it');
    expect(el.querySelector('tbody')?.textContent).toBe('No rows match the filter.');
  });

  it('keeps the app’s tableActions extension next to row_actions', async () => {
    const ext = vi.fn(() => (_row: unknown, i: number) => <span className="ext">ext {i}</span>);
    const el = await panel([{ ...block, filter: false }], recorder().act, { tableActions: ext });
    const cells = [...el.querySelectorAll('.actions-cell')];
    expect(cells.map((c) => c.querySelector('.ext')?.textContent)).toEqual(['ext 0', 'ext 1', 'ext 2']);
    expect(cells[0].querySelectorAll('button')).toHaveLength(1);
    expect(el.querySelector('.panel-filter')).toBeNull();
  });
});

describe('activity block', () => {
  it('shows summary, actor and a relative time with the local time on hover', async () => {
    const at = new Date(Date.now() - 5 * 60_000).toISOString();
    const el = await panel(
      [
        {
          type: 'activity',
          items: [
            { id: 9, actor: 'Sam Staff', summary: 'Moved Globex to Proposal', created_at: at },
            { id: 8, summary: 'Course “Selling Arena” completed', created_at: '2026-01-02T03:04:05Z' },
          ],
        },
      ],
      recorder().act,
    );
    const items = [...el.querySelectorAll('.activity-item')];
    expect(items).toHaveLength(2);
    expect(items[0].querySelector('.activity-summary')?.textContent).toBe('Moved Globex to Proposal');
    expect(items[0].querySelector('.activity-actor')?.textContent).toBe('Sam Staff');
    expect(items[0].querySelector('time')?.textContent).toBe(new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(-5, 'minute'));
    expect(items[1].querySelector('.activity-actor')).toBeNull();
    expect(items[1].querySelector('time')?.getAttribute('dateTime')).toBe('2026-01-02T03:04:05Z');
  });

  it('words relative times in steps', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
    expect(relativeTime('2026-11-25T11:59:50Z', now)).toBe(rtf.format(0, 'second'));
    expect(relativeTime('2026-11-25T09:00:00Z', now)).toBe(rtf.format(-3, 'hour'));
    expect(relativeTime('2026-11-23T12:00:00Z', now)).toBe(rtf.format(-2, 'day'));
    expect(relativeTime('not a time', now)).toBe('');
  });

  it('says so when empty', async () => {
    const el = await panel([{ type: 'activity', items: [] }], recorder().act);
    expect(el.textContent).toContain('No activity yet.');
  });
});
