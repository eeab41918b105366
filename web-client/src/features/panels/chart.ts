//! A `chart` block read from the wire and described in words: pure (no React,
//! no chart library), so the accessible summary and the funnel's conversion
//! rates are tested directly and the library loads only when a chart is drawn.
import { formatMinor } from '../../lib/money';
import { formatValue } from './format';
import { asArray, asObject, asString } from './types';

export type ChartKind = 'line' | 'bar' | 'funnel';

export interface ChartSeries {
  name: string;
  /** One per label of `x`; null is a gap (no data). */
  values: (number | null)[];
}

export interface ChartSpec {
  kind: ChartKind;
  title: string;
  x: string[];
  series: ChartSeries[];
  unit?: string;
  currency?: string;
}

const KINDS: readonly string[] = ['line', 'bar', 'funnel'];

/** The block as a ChartSpec; every series padded or cut to one value per label, non-numbers as gaps. */
export function readChart(block: Record<string, unknown>): ChartSpec {
  const kind = KINDS.includes(asString(block.kind)) ? (block.kind as ChartKind) : 'line';
  const x = asArray<unknown>(block.x).map(asString);
  let series = asArray<unknown>(block.series)
    .map(asObject)
    .map((s, i): ChartSeries => {
      const raw = asArray<unknown>(s.values);
      return { name: asString(s.name) || `Series ${i + 1}`, values: x.map((_, j) => (typeof raw[j] === 'number' && Number.isFinite(raw[j]) ? (raw[j] as number) : null)) };
    });
  // A funnel has one series (stages in order); extra ones are not drawn.
  if (kind === 'funnel') series = series.slice(0, 1);
  return { kind, title: asString(block.title), x, series, unit: asString(block.unit) || undefined, currency: asString(block.currency) || undefined };
}

/** A value as shown on axes, tooltips and in the table: money from minor units, else grouped plus `unit`. */
export function chartValue(v: number | null, spec: Pick<ChartSpec, 'unit' | 'currency'>): string {
  if (v === null) return 'no data';
  if (spec.currency) return formatMinor(v, spec.currency);
  const text = v.toLocaleString();
  if (!spec.unit) return text;
  return spec.unit === '%' ? `${text}%` : `${text} ${spec.unit}`;
}

/** A label of `x`: dates (YYYY-MM-DD) in the viewer's locale, anything else as is. */
export const chartLabel = (x: string) => formatValue(x);

/** Conversion from each funnel stage to the next, in percent (one decimal); null when the earlier stage is 0 or missing. */
export function funnelRates(spec: ChartSpec): (number | null)[] {
  const values = spec.series[0]?.values ?? [];
  return values.slice(1).map((v, i) => {
    const prev = values[i];
    if (v === null || prev === null || prev === 0) return null;
    return Math.round((v / prev) * 1000) / 10;
  });
}

/** "42.5%" (or "—" without a rate). */
export const rateText = (r: number | null) => (r === null ? '—' : `${r.toLocaleString(undefined, { maximumFractionDigits: 1 })}%`);

/** One sentence for screen readers: what is charted, over which labels; the table under it has the values. */
export function chartSummary(spec: ChartSpec): string {
  const what = spec.title || 'Chart';
  if (spec.x.length === 0 || spec.series.length === 0) return `${what}: no data.`;
  const first = chartLabel(spec.x[0]);
  const last = chartLabel(spec.x[spec.x.length - 1]);
  switch (spec.kind) {
    case 'funnel': {
      const v = spec.series[0].values;
      const total = v[0] !== null && v[v.length - 1] !== null && v[0] !== 0 ? ` (${rateText(Math.round(((v[v.length - 1] as number) / (v[0] as number)) * 1000) / 10)} overall)` : '';
      return `${what}: funnel of ${spec.x.length} stages, ${first} ${chartValue(v[0], spec)} to ${last} ${chartValue(v[v.length - 1], spec)}${total}.`;
    }
    case 'bar':
      return `${what}: bar chart of ${spec.series.map((s) => s.name).join(', ')} for ${spec.x.map(chartLabel).join(', ')}.`;
    default:
      return `${what}: line chart of ${spec.series.map((s) => s.name).join(', ')} from ${first} to ${last}.`;
  }
}
