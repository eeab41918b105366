//! `progress`: bars with "value / max"; a `currency` means minor units.
import { amount } from './format';
import { asArray, type Cell } from './types';

interface ProgressItem {
  label: string;
  value: Cell;
  max: Cell;
  unit?: string;
  currency?: string;
}

export function ProgressBlock({ items }: { items: unknown }) {
  return (
    <div className="panel-progress">
      {asArray<ProgressItem>(items).map((p, i) => {
        const value = Number(p.value);
        const max = Number(p.max);
        // Only the bar's width is a float; the numbers shown are formatted from the integers given.
        const ratio = max > 0 && Number.isFinite(value) ? value / max : value > 0 ? 1 : 0;
        const pct = Math.max(0, Math.min(100, ratio * 100));
        const shown = `${amount(p.value, p.currency, p.unit)} / ${amount(p.max, p.currency, p.unit)}`;
        return (
          <div key={i} className="progress-row">
            <div className="progress-head">
              <span className="progress-label">{p.label}</span>
              <span className="progress-value">
                {shown} <span className="progress-pct">({Math.floor(pct)}%)</span>
              </span>
            </div>
            <div
              className="progress-track"
              role="progressbar"
              aria-label={String(p.label ?? '')}
              aria-valuemin={0}
              aria-valuemax={max > 0 ? max : 1}
              aria-valuenow={Number.isFinite(value) ? Math.max(0, Math.min(value, max > 0 ? max : 1)) : 0}
              aria-valuetext={shown}
            >
              <div className="progress-fill" style={{ width: `${Math.round(pct * 100) / 100}%` }} />
            </div>
          </div>
        );
      })}
    </div>
  );
}
