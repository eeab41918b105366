// @vitest-environment happy-dom
// Component tests for the `chart` block: the data read defensively, the
// accessible summary and hidden table, money and units, funnel conversion
// rates, and the drawing loaded lazily (Chart.js itself is checked in
// Chromium by e2e/panels.e2e.test.mjs; here the lazy part is a stand-in).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PanelBody } from '../src/features/panels/PanelView';
import { chartSummary, chartValue, funnelRates, readChart } from '../src/features/panels/chart';
import { mount, settle, unmountAll } from './dom';

vi.mock('../src/features/panels/ChartCanvas', () => ({
  default: ({ spec }: { spec: { kind: string; series: unknown[] } }) => <div className="chart-canvas" data-chart-kind={spec.kind} data-series={spec.series.length} />,
}));

afterEach(unmountAll);

const LINE = { type: 'chart', kind: 'line', title: 'Revenue', x: ['2026-11-01', '2026-11-02', '2026-11-03'], series: [{ name: 'Won', values: [120000, null, 98050] }, { name: 'Goal', values: [100000, 100000] }], currency: 'USD' };
const FUNNEL = { type: 'chart', kind: 'funnel', title: 'Referral funnel', x: ['Clicks', 'Sign-ups', 'Qualified', 'Won'], series: [{ name: 'Partners', values: [400, 100, 25, 0] }, { name: 'ignored', values: [1] }] };

describe('chart data (pure)', () => {
  it('pads series to the labels, drops non-numbers to gaps, keeps one funnel series', () => {
    const line = readChart(LINE);
    expect(line.series[1].values).toEqual([100000, 100000, null]);
    expect(readChart({ kind: 'pie', x: ['a'], series: [{ values: ['1'] }] })).toEqual({ kind: 'line', title: '', x: ['a'], series: [{ name: 'Series 1', values: [null] }], unit: undefined, currency: undefined });
    expect(readChart(FUNNEL).series).toHaveLength(1);
  });
  it('formats money from minor units and units as suffixes', () => {
    expect(chartValue(98050, { currency: 'USD' })).toMatch(/980\.50/);
    expect(chartValue(12.5, { unit: '%' })).toBe('12.5%');
    expect(chartValue(3, { unit: 'days' })).toBe('3 days');
    expect(chartValue(null, {})).toBe('no data');
  });
  it('computes the conversion between funnel stages', () => {
    expect(funnelRates(readChart(FUNNEL))).toEqual([25, 25, 0]);
    expect(funnelRates(readChart({ kind: 'funnel', x: ['a', 'b', 'c'], series: [{ values: [0, 5, null] }] }))).toEqual([null, null]);
    expect(chartSummary(readChart(FUNNEL))).toBe('Referral funnel: funnel of 4 stages, Clicks 400 to Won 0 (0% overall).');
  });
});

describe('chart block', () => {
  it('renders the lazy drawing with a summary and a hidden table of every value', async () => {
    const el = await mount(<PanelBody kind="k" data={{ blocks: [LINE] }} />);
    await settle();
    const fig = el.querySelector('figure.panel-chart')!;
    expect(fig.getAttribute('aria-label')).toMatch(/^Revenue: line chart of Won, Goal from .*Nov.* to .*Nov.*\.$/);
    expect(fig.querySelector('.chart-canvas')?.getAttribute('data-chart-kind')).toBe('line');
    const rows = [...fig.querySelectorAll('table.sr-only tbody tr')].map((r) => [...r.children].map((c) => c.textContent));
    expect(rows).toHaveLength(3);
    expect(rows[1][1]).toBe('no data');
    expect(rows[2][1]).toMatch(/980\.50/);
    expect([...fig.querySelectorAll('thead th')].map((t) => t.textContent)).toEqual(['Label', 'Won', 'Goal']);
  });

  it('lists a funnel’s conversion rates as text', async () => {
    const el = await mount(<PanelBody kind="k" data={{ blocks: [FUNNEL] }} />);
    await settle();
    expect([...el.querySelectorAll('.chart-funnel-steps li')].map((li) => li.textContent)).toEqual(['Clicks → Sign-ups: 25%', 'Sign-ups → Qualified: 25%', 'Qualified → Won: 0%']);
    expect(el.querySelector('.chart-canvas')?.getAttribute('data-series')).toBe('1');
  });

  it('says so when there is no data', async () => {
    const el = await mount(<PanelBody kind="k" data={{ blocks: [{ type: 'chart', kind: 'bar', x: [], series: [] }] }} />);
    expect(el.textContent).toBe('No data yet.');
  });
});
