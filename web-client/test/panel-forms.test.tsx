// @vitest-environment happy-dom
// Component tests for the form and board blocks: validation before sending,
// money to minor units, pre-fill and reset, file upload (POST /api/v1/files
// with a mocked fetch), board moves by button and by drag and drop, refused
// drops, and the server's refusals.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PanelBody } from '../src/features/panels/PanelView';
import { initialValues, readForm, toParams, validate } from '../src/features/panels/form';
import { dropOutcome, readBoard } from '../src/features/panels/BoardBlock';
import { minorToMajorText, parseMajorToMinor } from '../src/lib/money';
import { RequestError } from '../src/lib/realtime/client';
import { byText, chooseFile, click, deferred, drag, mount, settle, submit, type, unmountAll } from './dom';

afterEach(unmountAll);

type Call = { action: string; params: Record<string, unknown> };
function recorder(answer: (c: Call) => Promise<unknown> = async () => ({})) {
  const calls: Call[] = [];
  const act = vi.fn((action: string, params: Record<string, unknown>) => {
    calls.push({ action, params });
    return answer({ action, params });
  });
  return { calls, act };
}

const FORM = {
  type: 'form',
  id: 'log-deal',
  title: 'Log a deal',
  action: 'deal.create',
  submit: 'Log deal',
  params: { source: 'panel' },
  fields: [
    { name: 'client', label: 'Client', input: 'text', required: true, max_length: 10 },
    { name: 'notes', label: 'Notes', input: 'textarea' },
    { name: 'seats', label: 'Seats', input: 'number', value: 5 },
    { name: 'amount_minor', label: 'Amount', input: 'money', currency: 'USD', required: true },
    { name: 'close_on', label: 'Close date', input: 'date' },
    { name: 'stage', label: 'Stage', input: 'select', required: true, options: [{ value: 'lead', label: 'Lead' }, { value: 3, label: 'Proposal' }], value: 'lead' },
    { name: 'exclusive', label: 'Exclusive', input: 'checkbox' },
  ],
};

describe('money input', () => {
  it('reads decimal amounts as exact minor units of the currency', () => {
    expect(parseMajorToMinor('1,234.5', 'USD')).toBe(123450n);
    expect(parseMajorToMinor('0.07', 'USD')).toBe(7n);
    expect(parseMajorToMinor('12', 'JPY')).toBe(12n);
    expect(parseMajorToMinor('1.5', 'JPY')).toBeNull();
    expect(parseMajorToMinor('1.2345', 'BHD')).toBeNull();
    expect(parseMajorToMinor('1.234', 'BHD')).toBe(1234n);
    expect(parseMajorToMinor('90071992547409.93', 'USD')).toBe(9007199254740993n);
    expect(parseMajorToMinor('12a', 'USD')).toBeNull();
    expect(parseMajorToMinor('.', 'USD')).toBeNull();
    expect(minorToMajorText(123450, 'USD')).toBe('1234.50');
    expect(minorToMajorText(1500, 'JPY')).toBe('1500');
  });
});

describe('form rules (pure)', () => {
  const form = readForm(FORM);
  it('pre-fills and turns values into params', () => {
    const v = initialValues(form);
    expect(v).toEqual({ client: '', notes: '', seats: '5', amount_minor: '', close_on: '', stage: '0', exclusive: false });
    const params = toParams(form, { ...v, client: ' Globex ', amount_minor: '2,500.00', stage: '1', exclusive: true, close_on: '2026-12-31' });
    expect(params).toEqual({ source: 'panel', client: 'Globex', seats: 5, amount_minor: 250000, stage: 3, exclusive: true, close_on: '2026-12-31' });
  });
  it('validates required, max_length, number, money and date', () => {
    const v = initialValues(form);
    expect(validate(form, v)).toEqual({ client: 'Client is required.', amount_minor: 'Amount is required.' });
    const bad = { ...v, client: 'Much too long', seats: 'five', amount_minor: '1.001', close_on: '2026-02-30' };
    expect(Object.keys(validate(form, bad))).toEqual(['client', 'seats', 'amount_minor', 'close_on']);
    expect(validate(form, bad).client).toBe('Client: at most 10 characters (now 13).');
  });
});

describe('form block', () => {
  it('labels every input and pre-fills values', async () => {
    const el = await mount(<PanelBody kind="k" data={{ blocks: [FORM] }} act={recorder().act} />);
    const form = el.querySelector('form')!;
    expect(form.getAttribute('data-form')).toBe('log-deal');
    for (const input of form.querySelectorAll('input, textarea, select')) {
      expect(form.querySelector(`label[for="${input.id}"]`), input.getAttribute('name')!).not.toBeNull();
    }
    expect(form.querySelector<HTMLInputElement>('[name="seats"]')!.value).toBe('5');
    expect(form.querySelector<HTMLSelectElement>('[name="stage"]')!.value).toBe('0');
    expect(form.querySelector('[name="close_on"]')!.getAttribute('type')).toBe('date');
    expect(form.querySelector('.form-currency')?.textContent).toBe('USD');
  });

  it('refuses to send with a required field empty, and says which', async () => {
    const { calls, act } = recorder();
    const el = await mount(<PanelBody kind="k" data={{ blocks: [FORM] }} act={act} />);
    await submit(el.querySelector('form'));
    expect(calls).toHaveLength(0);
    const client = el.querySelector('[name="client"]')!;
    expect(client.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(client.getAttribute('aria-describedby')!)?.textContent).toBe('Client is required.');
    expect(document.activeElement).toBe(client);
    await type(client, 'Globex Corporation');
    await type(el.querySelector('[name="amount_minor"]'), '10');
    await submit(el.querySelector('form'));
    expect(calls).toHaveLength(0);
    expect(el.textContent).toContain('Client: at most 10 characters (now 18).');
  });

  it('sends money as minor units with the form params, then resets', async () => {
    const d = deferred();
    const { calls, act } = recorder(() => d.promise);
    const el = await mount(<PanelBody kind="k" data={{ blocks: [FORM] }} act={act} />);
    await type(el.querySelector('[name="client"]'), 'Globex');
    await type(el.querySelector('[name="amount_minor"]'), '1,234.56');
    await type(el.querySelector('[name="stage"]'), '1');
    await click(el.querySelector('[name="exclusive"]'));
    await submit(el.querySelector('form'));
    expect(calls).toEqual([{ action: 'deal.create', params: { source: 'panel', client: 'Globex', seats: 5, amount_minor: 123456, stage: 3, exclusive: true } }]);
    const button = byText(el, 'button', 'Log deal')!;
    expect(button.hasAttribute('disabled')).toBe(true);
    d.resolve({});
    await settle();
    expect(el.querySelector<HTMLInputElement>('[name="client"]')!.value).toBe('');
    expect(el.querySelector<HTMLInputElement>('[name="amount_minor"]')!.value).toBe('');
    expect(el.querySelector<HTMLInputElement>('[name="exclusive"]')!.checked).toBe(false);
    expect(el.querySelector<HTMLInputElement>('[name="seats"]')!.value).toBe('5');
    expect(el.querySelector('[role="status"]')?.textContent).toBe('Sent.');
  });

  it('keeps what was typed and shows the server’s refusal', async () => {
    const { act } = recorder(async () => {
      throw new RequestError('bad_request', 'close date must be in the future');
    });
    const el = await mount(<PanelBody kind="k" data={{ blocks: [FORM] }} act={act} />);
    await type(el.querySelector('[name="client"]'), 'Globex');
    await type(el.querySelector('[name="amount_minor"]'), '5');
    await submit(el.querySelector('form'));
    await settle();
    expect(el.querySelector('form > [role="alert"]')?.textContent).toBe('close date must be in the future');
    expect(el.querySelector<HTMLInputElement>('[name="client"]')!.value).toBe('Globex');
  });
});

describe('file field', () => {
  const UPLOAD = { type: 'form', id: 'kyc', action: 'document.submit', submit: 'Send', params: { kind: 'w9' }, fields: [{ name: 'file_id', label: 'Tax form', input: 'file', required: true }] };
  type Req = { url: string; method?: string; headers: Record<string, string>; body: unknown };
  let reqs: Req[];
  let answers: { status: number; body: unknown }[];

  beforeEach(() => {
    reqs = [];
    answers = [];
    sessionStorage.setItem('arena.session', JSON.stringify({ tenant: 'demo', email: 'ana@demo.test', access_token: 'acc-1', refresh_token: 'ref-1', expires_at: Date.now() + 600_000 }));
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      reqs.push({ url, method: init.method, headers: init.headers as Record<string, string>, body: init.body });
      const a = answers.shift() ?? { status: 201, body: { id: 77, name: 'w9.pdf', content_type: 'application/pdf', size: 2048 } };
      return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
    });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    sessionStorage.clear();
  });

  it('uploads the chosen file raw with its type and the bearer token, then sends its id', async () => {
    const { calls, act } = recorder();
    const el = await mount(<PanelBody kind="k" data={{ blocks: [UPLOAD] }} act={act} />);
    await submit(el.querySelector('form'));
    expect(el.textContent).toContain('Choose a file for “Tax form”.');
    const file = new File(['%PDF-1.7 tax'], 'w9 (2026).pdf', { type: 'application/pdf' });
    await chooseFile(el.querySelector('input[type="file"]'), file);
    await settle();
    expect(reqs).toHaveLength(1);
    expect(reqs[0].url).toBe('/api/v1/files?name=w9%20(2026).pdf');
    expect(reqs[0].method).toBe('POST');
    expect(reqs[0].headers).toEqual({ 'content-type': 'application/pdf', authorization: 'Bearer acc-1' });
    expect(reqs[0].body).toBe(file);
    expect(el.querySelector('.form-file-done')?.textContent).toBe('✓ w9.pdf · 2 kB');
    await submit(el.querySelector('form'));
    expect(calls).toEqual([{ action: 'document.submit', params: { kind: 'w9', file_id: '77' } }]);
  });

  it('shows progress while uploading and waits before sending', async () => {
    const d = deferred<Response>();
    vi.stubGlobal('fetch', () => d.promise);
    const { calls, act } = recorder();
    const el = await mount(<PanelBody kind="k" data={{ blocks: [UPLOAD] }} act={act} />);
    await chooseFile(el.querySelector('input[type="file"]'), new File(['x'], 'a.pdf', { type: 'application/pdf' }));
    await settle();
    expect(el.querySelector('.form-file-progress progress')).not.toBeNull();
    expect(el.querySelector('.form-file-progress')?.textContent).toContain('Uploading a.pdf');
    expect(byText(el, 'button', 'Send')!.hasAttribute('disabled')).toBe(true);
    await submit(el.querySelector('form'));
    expect(calls).toHaveLength(0);
    d.resolve(new Response(JSON.stringify({ id: 'f-1', name: 'a.pdf', size: 1 }), { status: 201 }));
    await settle();
    await submit(el.querySelector('form'));
    expect(calls).toEqual([{ action: 'document.submit', params: { kind: 'w9', file_id: 'f-1' } }]);
  });

  it('shows the server’s message for 413 and 415', async () => {
    const el = await mount(<PanelBody kind="k" data={{ blocks: [UPLOAD] }} act={recorder().act} />);
    answers.push({ status: 413, body: { error: { code: 'too_large', message: 'files may be at most 10 MiB' } } });
    await chooseFile(el.querySelector('input[type="file"]'), new File(['big'], 'big.pdf', { type: 'application/pdf' }));
    await settle();
    expect(el.querySelector('.form-file [role="alert"]')?.textContent).toBe('File too large: files may be at most 10 MiB');
    answers.push({ status: 415, body: { error: { code: 'bad_request', message: 'application/x-msdownload is not allowed' } } });
    await chooseFile(el.querySelector('input[type="file"]'), new File(['MZ'], 'setup.exe', { type: 'application/x-msdownload' }));
    await settle();
    expect(el.querySelector('.form-file [role="alert"]')?.textContent).toBe('File type not allowed: application/x-msdownload is not allowed');
    expect(reqs.map((r) => r.headers['content-type'])).toEqual(['application/pdf', 'application/x-msdownload']);
  });
});

describe('board block', () => {
  const BOARD = {
    type: 'board',
    action: 'deal.move',
    columns: [
      { id: 'lead', title: 'Lead', cards: [{ id: 'd1', title: 'Globex', subtitle: 'Ana Ortiz', fields: [{ label: 'Value', value: 480000, currency: 'USD' }, { label: 'Seats', value: 12 }], moves: ['proposal', 'lost'] }] },
      { id: 'proposal', title: 'Proposal', cards: [{ id: 7, title: 'Initech', moves: ['won', 'lost'] }] },
      { id: 'won', title: 'Won', cards: [] },
      { id: 'lost', title: 'Lost', cards: [] },
    ],
  };
  const column = (el: HTMLElement, id: string) => el.querySelector(`[data-column="${id}"]`);
  const card = (el: HTMLElement, id: string) => el.querySelector(`[data-card="${id}"]`);

  it('renders columns, cards, money fields and a move button per allowed column', async () => {
    const el = await mount(<PanelBody kind="k" data={{ blocks: [BOARD] }} act={recorder().act} />);
    expect([...el.querySelectorAll('.board-column')].map((c) => c.getAttribute('aria-label'))).toEqual(['Lead (1)', 'Proposal (1)', 'Won (0)', 'Lost (0)']);
    const globex = card(el, 'd1')!;
    expect(globex.getAttribute('draggable')).toBe('true');
    expect(globex.querySelector('dd')?.textContent?.replace(/\u00a0/g, ' ')).toBe('USD 4,800.00');
    expect([...globex.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'))).toEqual(['Move Globex to Proposal', 'Move Globex to Lost']);
  });

  it('a move button sends {id, to}', async () => {
    const { calls, act } = recorder();
    const el = await mount(<PanelBody kind="k" data={{ blocks: [BOARD] }} act={act} />);
    await click(card(el, '7')!.querySelector('[aria-label="Move Initech to Won"]'));
    expect(calls).toEqual([{ action: 'deal.move', params: { id: 7, to: 'won' } }]);
  });

  it('drag and drop onto an allowed column sends the move', async () => {
    const { calls, act } = recorder();
    const el = await mount(<PanelBody kind="k" data={{ blocks: [BOARD] }} act={act} />);
    const dt = new DataTransfer();
    await drag('dragstart', card(el, 'd1'), dt);
    expect(dt.getData('text/plain')).toBe('d1');
    await drag('dragover', column(el, 'proposal'), dt);
    expect(column(el, 'proposal')!.className).toContain('drop-ok');
    await drag('drop', column(el, 'proposal'), dt);
    expect(calls).toEqual([{ action: 'deal.move', params: { id: 'd1', to: 'proposal' } }]);
  });

  it('a drop onto a column not in moves is not sent and is shown as refused', async () => {
    const { calls, act } = recorder();
    const el = await mount(<PanelBody kind="k" data={{ blocks: [BOARD] }} act={act} />);
    const dt = new DataTransfer();
    await drag('dragstart', card(el, 'd1'), dt);
    await drag('dragover', column(el, 'won'), dt);
    expect(column(el, 'won')!.className).toContain('drop-refused');
    await drag('drop', column(el, 'won'), dt);
    expect(calls).toHaveLength(0);
    expect(el.querySelector('.panel-board-wrap [role="alert"]')?.textContent).toBe('“Globex” cannot move from Lead to Won.');
    // Back onto its own column: nothing happens.
    await drag('dragstart', card(el, 'd1'), dt);
    await drag('drop', column(el, 'lead'), dt);
    expect(calls).toHaveLength(0);
  });

  it('shows the server’s refusal naming the current stage', async () => {
    const { act } = recorder(async () => {
      throw new RequestError('conflict', 'deal d1 is in stage Won now');
    });
    const el = await mount(<PanelBody kind="k" data={{ blocks: [BOARD] }} act={act} />);
    await click(el.querySelector('[aria-label="Move Globex to Lost"]'));
    await settle();
    expect(el.querySelector('.panel-board-wrap [role="alert"]')?.textContent).toBe('deal d1 is in stage Won now');
  });

  it('decides drops by id as text', () => {
    const cols = readBoard(BOARD);
    expect(dropOutcome(cols[1].cards[0], cols[1], cols[2])).toEqual({ send: true });
    expect(dropOutcome(cols[1].cards[0], cols[1], cols[1])).toEqual({ send: false });
    expect(dropOutcome(cols[1].cards[0], cols[1], cols[0])).toEqual({ send: false, refused: '“Initech” cannot move from Proposal to Lead.' });
    expect(readBoard({ columns: [{ id: 1, cards: [{ id: 2, moves: [1, 'x', null] }] }] })[0].cards[0].moves).toEqual([1, 'x']);
  });
});
