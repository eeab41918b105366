//! The drawn part of a `chart` block, loaded on demand (React.lazy from
//! ChartBlock) so Chart.js is its own chunk and a workspace without charts
//! never downloads it. Only the pieces used are registered (tree-shaken):
//! line with gaps for nulls, grouped bars, and a funnel as horizontal bars in
//! stage order. Colours and text come from the theme's CSS variables.
import { useEffect, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import { chartLabel, chartValue, funnelRates, rateText, type ChartSpec } from './chart';

Chart.register(LineController, BarController, LineElement, PointElement, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const PALETTE = ['--accent', '--green', '--yellow', '--red', '--link', '--muted'];

function config(spec: ChartSpec, el: HTMLElement): ChartConfiguration<'line' | 'bar'> {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const text = v('--muted', '#949ba4');
  const grid = v('--bg-active', '#404249');
  const colors = PALETTE.map((p) => v(p, '#5865f2'));
  const funnel = spec.kind === 'funnel';
  const rates = funnel ? funnelRates(spec) : [];
  const reduce = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
  // Counts and minor units are whole numbers: no ticks between them (0.8 of a deal win).
  const whole = spec.series.every((s) => s.values.every((x) => x === null || Number.isInteger(x)));
  const valueAxis = {
    beginAtZero: true,
    grid: { color: grid },
    ticks: { color: text, precision: whole ? 0 : undefined, callback: (n: number | string) => chartValue(Number(n), spec) },
  };
  const labelAxis = { grid: { display: false }, ticks: { color: text } };
  return {
    type: spec.kind === 'line' ? 'line' : 'bar',
    data: {
      labels: spec.x.map(chartLabel),
      datasets: spec.series.map((s, i) => ({
        label: s.name,
        data: s.values,
        borderColor: colors[i % colors.length],
        backgroundColor: funnel ? colors[0] : colors[i % colors.length],
        borderWidth: spec.kind === 'line' ? 2 : 0,
        borderRadius: spec.kind === 'line' ? 0 : 4,
        pointRadius: spec.kind === 'line' ? 3 : 0,
        spanGaps: false,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduce ? false : { duration: 300 },
      indexAxis: funnel ? 'y' : 'x',
      interaction: { mode: 'index', intersect: false },
      scales: funnel ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      plugins: {
        legend: { display: !funnel && spec.series.length > 1, labels: { color: text, boxWidth: 12 } },
        tooltip: {
          callbacks: {
            label: (item) => {
              const value = chartValue((item.raw as number | null) ?? null, spec);
              const rate = funnel && item.dataIndex > 0 ? ` (${rateText(rates[item.dataIndex - 1])} of previous)` : '';
              return `${item.dataset.label ?? ''}: ${value}${rate}`;
            },
          },
        },
      },
    },
  };
}

export default function ChartCanvas({ spec }: { spec: ChartSpec }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const key = JSON.stringify(spec);
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const chart = new Chart(el, config(spec, el));
    return () => chart.destroy();
    // `key` stands for `spec` (a new object on every render of the block).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  // The canvas is hidden from screen readers: ChartBlock gives the summary and the values as a table.
  return (
    <div className="chart-canvas" data-chart-kind={spec.kind} style={spec.kind === 'funnel' ? { height: Math.max(160, 44 * spec.x.length + 40) } : undefined}>
      <canvas ref={canvas} aria-hidden="true" />
    </div>
  );
}
