//! Card messages: `deal_win` as a celebration card; other types as a
//! key/value card titled by `card.type`.
import type { Card } from '../../lib/realtime/types';

/** Formats an amount in minor units using the currency's own decimals. */
export function formatMinor(amountMinor: unknown, currency: unknown): string {
  const cur = typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : 'USD';
  const n = Number(amountMinor);
  if (!Number.isFinite(n)) return String(amountMinor ?? '');
  try {
    const nf = new Intl.NumberFormat(undefined, { style: 'currency', currency: cur });
    const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
    return nf.format(n / 10 ** digits);
  } catch {
    return `${(n / 100).toFixed(2)} ${cur}`;
  }
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function MessageCard({ card }: { card: Card }) {
  const data = card.data ?? {};
  if (card.type === 'deal_win') {
    return (
      <div className="card card-deal" role="group" aria-label="Deal won">
        <div className="card-deal-emoji" aria-hidden="true">
          🏆
        </div>
        <div>
          <div className="card-kicker">Deal won</div>
          <div className="card-deal-amount">{formatMinor(data.amount_minor, data.currency)}</div>
          <div className="card-deal-line">
            <strong>{show(data.partner_name)}</strong> closed <strong>{show(data.client)}</strong>
          </div>
        </div>
      </div>
    );
  }
  return (
    <div className="card card-generic" role="group" aria-label={card.type}>
      <div className="card-kicker">{card.type}</div>
      <dl>
        {Object.entries(data).map(([k, v]) => (
          <div key={k} className="card-row">
            <dt>{k}</dt>
            <dd>{show(v)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
