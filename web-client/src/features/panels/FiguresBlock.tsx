//! `figures`: labelled values; a `currency` means the value is minor units.
import { formatMinor } from '../../lib/money';
import { formatValue } from './format';
import { asArray, type Cell } from './types';

export function FiguresBlock({ items }: { items: unknown }) {
  return (
    <div className="panel-figures">
      {asArray<{ label: string; value: Cell; unit?: string; currency?: string }>(items).map((f, i) => (
        <div key={i} className="figure">
          <div className="figure-label">{f.label}</div>
          <div className="figure-value">
            {f.currency ? formatMinor(f.value, f.currency) : formatValue(f.value)}
            {f.unit && !f.currency && <span className="figure-unit"> {f.unit}</span>}
          </div>
        </div>
      ))}
    </div>
  );
}
