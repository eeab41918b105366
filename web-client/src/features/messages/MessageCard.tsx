//! Card messages: `deal_win` (posted by the server in #deal-wins: partner,
//! client, amount in minor units with its currency) as a celebration card;
//! other types as a key/value card titled by `card.type`.
import { formatMinor } from '../../lib/money';
import type { Card } from '../../lib/realtime/types';

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
            <strong className="card-deal-partner">{show(data.partner_name)}</strong> closed <strong className="card-deal-client">{show(data.client)}</strong>
          </div>
          {typeof data.deal_id === 'string' && data.deal_id && <div className="card-deal-meta">Deal {data.deal_id}</div>}
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
