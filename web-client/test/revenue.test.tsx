// Unit tests for the staff actions on #revenue-overview: which rows get
// which actions, the action state machine, the REST calls (with a fake
// fetch: URLs, bearer token, bodies, 409 text, token refresh on 401), and
// that the ledger table shows them for staff only.
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PanelBody } from '../src/features/panels/PanelView';
import { approveCommission, recordPayout, reverseDeal } from '../src/features/revenue/api';
import { LedgerActions, revenueTableActions } from '../src/features/revenue/LedgerActions';
import { actionReducer, actionsFor, errorText, initialActionState, readLedger, type ActionState } from '../src/features/revenue/ledger';
import { ApiError } from '../src/lib/api/http';

const COLUMNS = ['#', 'Deal', 'Partner', 'Status', 'Commission', 'When'];
const ROWS: (string | number)[][] = [
  [6, 'demo-3', 'Ben Carter', 'approved', '360.00 GBP', '2026-11-25T10:00:00Z'],
  [5, 'demo-2', 'Priya Nair', 'paid', '1,250.00 USD', '2026-11-25T09:00:00Z'],
  [4, 'demo-4', 'Marco Rossi', 'reversed', '180.00 EUR', '2026-11-24T09:00:00Z'],
  [3, 'demo-1', 'Ana Ortiz', 'pending', '480.00 USD', '2026-11-23T09:00:00Z'],
  [2, 'demo-3', 'Ben Carter', 'pending', '360.00 GBP', '2026-11-22T09:00:00Z'],
  [1, 'demo-5', 'Ana Ortiz', 'pending', '90.00 USD', '2026-11-21T09:00:00Z'],
];

describe('ledger rows and their actions', () => {
  it('offers approve for pending, mark paid for approved, reverse for anything not reversed', () => {
    expect(actionsFor('pending')).toEqual(['approve', 'reverse']);
    expect(actionsFor('Approved')).toEqual(['pay', 'reverse']);
    expect(actionsFor('paid')).toEqual(['reverse']);
    expect(actionsFor('reversed')).toEqual([]);
    expect(actionsFor('something new')).toEqual([]);
  });

  it('puts actions only on each deal’s newest entry', () => {
    const rows = readLedger(COLUMNS, ROWS)!;
    expect(rows.map((r) => [r.dealId, r.status, r.actions])).toEqual([
      ['demo-3', 'approved', ['pay', 'reverse']],
      ['demo-2', 'paid', ['reverse']],
      ['demo-4', 'reversed', []],
      ['demo-1', 'pending', ['approve', 'reverse']],
      ['demo-3', 'pending', []], // superseded by #6
      ['demo-5', 'pending', ['approve', 'reverse']],
    ]);
    // Order does not matter when "#" is there; without it the first row (newest) wins.
    const reversed = readLedger(COLUMNS, [...ROWS].reverse())!;
    expect(reversed.find((r) => r.seq === 6)!.actions).toEqual(['pay', 'reverse']);
    expect(reversed.find((r) => r.seq === 2)!.actions).toEqual([]);
    const noSeq = readLedger(['Deal', 'Status'], [['d', 'approved'], ['d', 'pending']])!;
    expect(noSeq.map((r) => r.actions)).toEqual([['pay', 'reverse'], []]);
  });

  it('is not a ledger without Deal and Status columns', () => {
    expect(readLedger(['Reference', 'Paid', 'Amount'], [])).toBeNull();
    expect(readLedger(['#', 'Partner', 'Deals'], [[1, 'Ana', 2]])).toBeNull();
  });
});

describe('action state', () => {
  const run = (...events: Parameters<typeof actionReducer>[1][]) => events.reduce<ActionState>(actionReducer, initialActionState);

  it('approve sends at once; ok waits for the panel update', () => {
    expect(run({ type: 'start', action: 'approve' })).toEqual({ phase: 'sending', action: 'approve' });
    expect(run({ type: 'start', action: 'approve' }, { type: 'ok' })).toEqual({ phase: 'sent', action: 'approve' });
  });

  it('mark paid asks for a reference and refuses an empty one', () => {
    let s = run({ type: 'start', action: 'pay' });
    expect(s).toEqual({ phase: 'asking', action: 'pay', text: '' });
    s = actionReducer(s, { type: 'submit' });
    expect(s).toMatchObject({ phase: 'asking', error: 'Enter the payout reference.' });
    s = actionReducer(s, { type: 'input', text: '  PO-2026-11 ' });
    expect(s).toEqual({ phase: 'asking', action: 'pay', text: '  PO-2026-11 ', error: undefined });
    expect(actionReducer(s, { type: 'submit' })).toEqual({ phase: 'sending', action: 'pay', text: 'PO-2026-11' });
    expect(actionReducer(s, { type: 'cancel' })).toEqual({ phase: 'idle' });
  });

  it('a failure shows inline and keeps the typed reason', () => {
    const s = run({ type: 'start', action: 'reverse' }, { type: 'input', text: 'chargeback' }, { type: 'submit' }, { type: 'failed', message: 'nope' });
    expect(s).toEqual({ phase: 'asking', action: 'reverse', text: 'chargeback', error: 'nope' });
    expect(run({ type: 'start', action: 'approve' }, { type: 'failed', message: 'conflict' })).toEqual({ phase: 'idle', error: 'conflict' });
  });

  it('ignores clicks while sending', () => {
    const sending = run({ type: 'start', action: 'approve' });
    expect(actionReducer(sending, { type: 'start', action: 'reverse' })).toBe(sending);
    expect(actionReducer(sending, { type: 'cancel' })).toBe(sending);
  });

  it('words errors plainly', () => {
    expect(errorText('approve', new ApiError(409, 'conflict', 'deal "demo-1" is approved, not pending'))).toBe(
      'Could not approve: deal "demo-1" is approved, not pending.',
    );
    expect(errorText('pay', new ApiError(403, 'forbidden', 'staff only'))).toBe('Only staff can change commissions.');
    expect(errorText('reverse', new ApiError(0, 'unavailable', 'Cannot reach the server.'))).toBe('Could not reverse: Cannot reach the server.');
  });
});

describe('revenue REST calls', () => {
  type Call = { url: string; method?: string; headers: Record<string, string>; body: unknown };
  let calls: Call[];
  let answers: { status: number; body: unknown }[];

  beforeEach(() => {
    calls = [];
    answers = [];
    const mem = new Map<string, string>();
    vi.stubGlobal('sessionStorage', { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v), removeItem: (k: string) => void mem.delete(k) });
    mem.set('arena.session', JSON.stringify({ tenant: 'demo', email: 'staff@demo.test', access_token: 'acc-1', refresh_token: 'ref-1', expires_at: Date.now() + 600_000 }));
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, method: init.method, headers: init.headers as Record<string, string>, body: JSON.parse(String(init.body)) });
      const a = answers.shift() ?? { status: 200, body: { entries: [] } };
      return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('approves, records a payout and reverses with the bearer token', async () => {
    await approveCommission('demo-1');
    await recordPayout('demo-3', 'PO-1');
    answers.push({ status: 200, body: { seq: 9, deal_id: 'a/b', status: 'reversed' } });
    const entry = await reverseDeal('a/b', 'chargeback');
    expect(entry.status).toBe('reversed');
    expect(calls).toEqual([
      { url: '/api/v1/revenue/commissions/approve', method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer acc-1' }, body: { deal_ids: ['demo-1'] } },
      { url: '/api/v1/revenue/payouts', method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer acc-1' }, body: { deal_ids: ['demo-3'], reference: 'PO-1' } },
      { url: '/api/v1/revenue/deals/a%2Fb/reverse', method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer acc-1' }, body: { reason: 'chargeback' } },
    ]);
  });

  it('passes a 409 on with the server’s message', async () => {
    answers.push({ status: 409, body: { error: { code: 'conflict', message: 'deal "demo-1" is approved, not pending' } } });
    const err = await approveCommission('demo-1').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: 'conflict', message: 'deal "demo-1" is approved, not pending' });
  });

  it('refreshes an access token the server refused once, then retries', async () => {
    answers.push(
      { status: 401, body: { error: { code: 'unauthorized', message: 'expired' } } },
      { status: 200, body: { access_token: 'acc-2', refresh_token: 'ref-2', expires_in: 900 } },
      { status: 200, body: { entries: [] } },
    );
    await approveCommission('demo-5');
    expect(calls.map((c) => [c.url, c.headers.authorization ?? null])).toEqual([
      ['/api/v1/revenue/commissions/approve', 'Bearer acc-1'],
      ['/api/v1/auth/refresh', null],
      ['/api/v1/revenue/commissions/approve', 'Bearer acc-2'],
    ]);
  });
});

describe('staff controls in the ledger table', () => {
  const data = { title: 'Commission ledger', blocks: [{ type: 'table', columns: COLUMNS, rows: ROWS }] };
  const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

  it('staff see Approve / Mark paid / Reverse on the newest entry of each deal', () => {
    const out = renderToStaticMarkup(<PanelBody kind="revenue.overview" data={data} tableActions={revenueTableActions} />);
    expect(out).toContain('<th scope="col" class="actions-col">Actions</th>');
    expect(count(out, />Approve</g)).toBe(2);
    expect(out).toContain('aria-label="Approve demo-1"');
    expect(out).toContain('aria-label="Approve demo-5"');
    expect(count(out, />Mark paid</g)).toBe(1);
    expect(out).toContain('aria-label="Mark paid demo-3"');
    expect(count(out, />Reverse</g)).toBe(4); // demo-3, demo-2, demo-1, demo-5; not the reversed demo-4
    expect(out).not.toContain('aria-label="Reverse demo-4"');
  });

  it('partners (no extension) and other panels get no controls', () => {
    const partner = renderToStaticMarkup(<PanelBody kind="revenue.overview" data={data} />);
    expect(partner).not.toContain('Actions');
    expect(partner).not.toMatch(/<button/);
    const other = renderToStaticMarkup(<PanelBody kind="revenue.payouts" data={data} tableActions={revenueTableActions} />);
    expect(other).not.toMatch(/<button/);
    const empty = renderToStaticMarkup(<PanelBody kind="revenue.overview" data={{ blocks: [{ type: 'table', columns: COLUMNS, rows: [] }] }} tableActions={revenueTableActions} />);
    expect(empty).toContain('<td colSpan="7">Nothing here yet.</td>');
  });

  it('a row’s control renders its buttons only', () => {
    const out = renderToStaticMarkup(<LedgerActions dealId="demo-9" actions={['pay', 'reverse']} reload={() => {}} />);
    expect(out).toBe(
      '<div class="ledger-actions" data-deal="demo-9"><div class="ledger-action-buttons">' +
        '<button type="button" class="btn-accent" aria-label="Mark paid demo-9">Mark paid</button>' +
        '<button type="button" class="btn-secondary btn-danger-text" aria-label="Reverse demo-9">Reverse</button></div></div>',
    );
  });
});
