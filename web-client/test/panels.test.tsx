// Unit tests for the generic panel renderer with the revenue panels' shapes
// (status badges, empty tables, progress, money figures), money from minor
// units, and the deal_win card. Components are rendered to static markup.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { formatMinor, splitMinor, toMinorBigInt } from '../src/lib/money';
import { MessageCard } from '../src/features/messages/MessageCard';
import { PanelBody, formatValue, isStatusColumn } from '../src/features/panels/PanelView';

const html = (kind: string, data: Record<string, unknown>) => renderToStaticMarkup(<PanelBody kind={kind} data={data} />);
const NBSP = /\u00a0/g;

describe('formatMinor: money from integer minor units', () => {
  const f = (a: unknown, c: unknown, l = 'en-US') => formatMinor(a, c, l).replace(NBSP, ' ');
  it('uses the currency code and its minor-unit digits', () => {
    expect(f(305000, 'USD')).toBe('USD 3,050.00');
    expect(f(480000, 'GBP')).toBe('GBP 4,800.00');
    expect(f(1500, 'JPY')).toBe('JPY 1,500');
    expect(f(12345, 'BHD')).toBe('BHD 12.345');
    expect(f(5, 'EUR')).toBe('EUR 0.05');
    expect(f(0, 'USD')).toBe('USD 0.00');
  });
  it('follows the locale for separators and code position', () => {
    expect(f(123456789, 'EUR', 'de-DE')).toBe('1.234.567,89 EUR');
  });
  it('keeps the sign, also below one major unit', () => {
    expect(f(-150, 'USD')).toMatch(/^-USD 1\.50$/);
    expect(f(-5, 'USD')).toMatch(/^-USD 0\.05$/);
  });
  it('is exact for large amounts (no float math)', () => {
    // The 999,999,999.99 USD, and values past 2^53 given as string or bigint.
    expect(f(99_999_999_999, 'USD')).toBe('USD 999,999,999.99');
    expect(f('9007199254740993', 'USD')).toBe('USD 90,071,992,547,409.93');
    expect(f('9223372036854775807', 'USD')).toBe('USD 92,233,720,368,547,758.07');
    expect(f(-9223372036854775808n, 'USD')).toBe('-USD 92,233,720,368,547,758.08');
    expect(f(10n ** 30n + 1n, 'JPY')).toBe('JPY 1,000,000,000,000,000,000,000,000,000,001');
  });
  it('never rounds a non-integer and never invents a currency', () => {
    expect(f(12.5, 'USD')).toBe('12.5 USD');
    expect(f(12345, 'usd')).toBe('123.45');
    expect(f(null, 'USD')).toBe('— USD');
  });
  it('parses and splits integers only', () => {
    expect(toMinorBigInt('  -42 ')).toBe(-42n);
    expect(toMinorBigInt('1e3')).toBeNull();
    expect(toMinorBigInt(0.1)).toBeNull();
    expect(splitMinor(-1234567n, 2)).toEqual({ negative: true, major: 12345n, fraction: '67' });
    expect(splitMinor(7n, 3)).toEqual({ negative: false, major: 0n, fraction: '007' });
  });
});

describe('panel renderer', () => {
  const ledger = {
    title: 'Commission ledger',
    blocks: [
      { type: 'text', text: 'The newest 25 entries.' },
      {
        type: 'table',
        columns: ['#', 'Deal', 'Partner', 'Status', 'Commission', 'When'],
        rows: [
          [4, 'demo-1', 'Ana Ortiz', 'approved', '480.00 USD', '2026-11-25T15:20:52Z'],
          [3, 'demo-9', 'Ben Carter', 'reversed', '360.00 GBP', '2026-11-24T10:00:00Z'],
          [2, 'demo-7', 'Priya Nair', 'paid', '1,250.00 USD', '2026-11-23T10:00:00Z'],
          [1, 'demo-1', 'Ana Ortiz', 'pending', '480.00 USD', '2026-11-20T09:00:00Z'],
        ],
      },
    ],
  };

  it('shows a badge per status in a "Status" column only', () => {
    const out = html('revenue.overview', ledger);
    for (const s of ['pending', 'approved', 'paid', 'reversed']) expect(out).toContain(`<span class="status-badge status-${s}" data-status="${s}">${s}</span>`);
    expect(out.match(/status-badge/g)).toHaveLength(4);
    // Other columns stay plain text, money right-aligned, timestamps as <time>.
    expect(out).toContain('<td>Ana Ortiz</td>');
    expect(out).toContain('<td class="num">1,250.00 USD</td>');
    expect(out).toContain('<time dateTime="2026-11-25T15:20:52Z"');
    expect(out).toContain('<h2 class="panel-title">Commission ledger</h2>');
    expect(isStatusColumn(' STATUS ')).toBe(true);
    expect(isStatusColumn('Statuses')).toBe(false);
  });

  it('shows a friendly row for an empty table, spanning every column', () => {
    const out = html('revenue.payouts', { blocks: [{ type: 'table', columns: ['Reference', 'Paid', 'Amount'], rows: [] }] });
    expect(out).toContain('<tr class="panel-table-empty"><td colSpan="3">Nothing here yet.</td></tr>');
    expect(out).toContain('<th scope="col">Reference</th>');
    expect(out).not.toContain('Actions');
  });

  it('draws progress with its label, value / max and a clamped bar', () => {
    const out = html('revenue.tiers', {
      blocks: [
        {
          type: 'progress',
          items: [
            { label: 'To Gold (USD 50,000.00)', value: 1_234_500, max: 5_000_000, currency: 'USD' },
            { label: 'Calls', value: 7, max: 10 },
            { label: 'Over', value: 15, max: 10 },
            { label: 'No max', value: 0, max: 0 },
          ],
        },
      ],
    });
    expect(out).toContain('To Gold (USD 50,000.00)');
    expect(out.replace(NBSP, ' ')).toMatch(/USD.12,345\.00 \/ USD.50,000\.00/);
    expect(out).toContain('width:24.69%');
    expect(out).toContain('7 / 10 <span class="progress-pct">(70%)</span>');
    expect(out).toContain('aria-valuenow="7" aria-valuetext="7 / 10"');
    expect(out).toContain('width:100%'); // 15 of 10 is a full bar
    expect(out).toContain('aria-valuenow="10"');
    expect(out).toContain('width:0%');
  });

  it('shows money figures as given, or from minor units with a currency', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const out = html('revenue.commissions', {
      blocks: [
        {
          type: 'figures',
          items: [
            { label: 'Pending', value: '480.00 USD + 360.00 GBP' },
            { label: 'Paid', value: 250000, currency: 'EUR' },
            { label: 'Partners earning', value: 1234 },
            { label: 'Next payout', value: '2026-12-01' },
            { label: 'Your rate', value: '10.00 %' },
          ],
        },
        { type: 'mystery', items: [] },
        { type: 'list', items: [{ title: 'Quarterly business review' }] },
      ],
    });
    expect(out).toContain('480.00 USD + 360.00 GBP');
    expect(out).toMatch(/EUR.2,500\.00/);
    expect(out).toContain('1,234');
    expect(out).toContain('Dec 1, 2026');
    expect(out).toContain('10.00 %');
    expect(out).toContain('Quarterly business review');
    expect(out).toContain('<section class="panel-block panel-block-mystery"></section>'); // unknown: nothing inside
    warn.mockRestore();
  });

  it('keeps ordinary text and numbers unchanged', () => {
    expect(formatValue('gold')).toBe('gold');
    expect(formatValue(3)).toBe('3');
    expect(formatValue(undefined)).toBe('');
    expect(formatValue('2026-13-45T99:99:99Z')).toBe('2026-13-45T99:99:99Z');
  });

  it('renders an empty list as a note', () => {
    expect(html('revenue.tiers', { blocks: [{ type: 'list', items: [] }] })).toContain('Nothing here yet.');
  });

  it('warns about, and skips, unknown block types', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    html('x', { blocks: [{ type: 'sparkles' }, null, 'junk'] });
    expect(warn).toHaveBeenCalledWith('[arena] unknown panel block type', 'sparkles');
    warn.mockRestore();
  });
});

describe('deal_win card', () => {
  it('shows partner, client and money from minor units with the code', () => {
    const out = renderToStaticMarkup(
      <MessageCard
        card={{
          type: 'deal_win',
          data: { deal_id: 'crm-42', partner_id: '7', partner_name: 'Ana Ortiz', client: 'Globex', amount_minor: 99_999_999_999, currency: 'USD' },
        }}
      />,
    );
    expect(out).toContain('Ana Ortiz');
    expect(out).toContain('Globex');
    expect(out).toContain('Deal crm-42');
    expect(out.replace(NBSP, ' ')).toMatch(/USD 999,999,999\.99/);
  });
  it('does not assume a currency when the code is missing', () => {
    const out = renderToStaticMarkup(<MessageCard card={{ type: 'deal_win', data: { partner_name: 'Ben', client: 'Initech', amount_minor: 360000 } }} />);
    expect(out).toContain('3,600.00');
    expect(out).not.toContain('USD');
  });
});
