//! `chart`: a line (time series), grouped bar or funnel chart. The drawing
//! (Chart.js) is lazy-loaded; until it arrives a placeholder of the same size
//! shows. Screen readers get a one-sentence summary (aria-label) and the
//! values as a visually hidden table; a funnel also lists the conversion from
//! each stage to the next as text, for everyone.
import { lazy, Suspense } from 'react';
import { chartLabel, chartSummary, chartValue, funnelRates, rateText, readChart } from './chart';

const ChartCanvas = lazy(() => import('./ChartCanvas'));

export function ChartBlock({ block }: { block: Record<string, unknown> }) {
  const spec = readChart(block);
  if (spec.x.length === 0 || spec.series.length === 0) return <p className="panel-empty-note">No data yet.</p>;
  const rates = spec.kind === 'funnel' ? funnelRates(spec) : [];
  return (
    <figure className={`panel-chart panel-chart-${spec.kind}`} aria-label={chartSummary(spec)}>
      {spec.title && <figcaption className="panel-chart-title">{spec.title}</figcaption>}
      <Suspense fallback={<div className="chart-canvas chart-loading" aria-hidden="true" />}>
        <ChartCanvas spec={spec} />
      </Suspense>
      {spec.kind === 'funnel' && (
        <ol className="chart-funnel-steps" aria-label="Conversion between stages">
          {rates.map((r, i) => (
            <li key={i}>
              {chartLabel(spec.x[i])} → {chartLabel(spec.x[i + 1])}: <strong>{rateText(r)}</strong>
            </li>
          ))}
        </ol>
      )}
      <table className="sr-only">
        <thead>
          <tr>
            <th scope="col">{spec.kind === 'funnel' ? 'Stage' : 'Label'}</th>
            {spec.series.map((s, i) => (
              <th key={i} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {spec.x.map((x, j) => (
            <tr key={j}>
              <th scope="row">{chartLabel(x)}</th>
              {spec.series.map((s, i) => (
                <td key={i}>{chartValue(s.values[j], spec)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
