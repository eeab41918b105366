//! One row of the members directory with its actions (tier for partners, role
//! for admins, deactivate/reactivate behind a confirmation, revoke sessions).
import type { DirectoryMember, MemberPatch } from './api';
import { relativeTime, rowRights } from './query';

export type RowAction = { kind: 'patch'; patch: MemberPatch; confirm?: string } | { kind: 'revoke'; confirm: string } | { kind: 'reset'; confirm: string };

export function MemberRow({ m, actor, tiers, busy, onAction }: { m: DirectoryMember; actor: { id: string; role: string }; tiers: string[]; busy: boolean; onAction: (a: RowAction) => void }) {
  const rights = rowRights(actor, m);
  return (
    <tr className={m.deactivated ? 'deactivated' : ''} data-member-id={m.id} aria-label={m.display_name}>
      <td>
        <div className="admin-name">{m.display_name}</div>
        <div className="muted">{m.email}</div>
      </td>
      <td>
        {rights.role ? (
          <select aria-label={`Role of ${m.display_name}`} value={m.role} disabled={busy} onChange={(e) => onAction({ kind: 'patch', patch: { role: e.target.value } })}>
            {['partner', 'staff', 'admin'].map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        ) : (
          m.role
        )}
      </td>
      <td>
        {rights.tier ? (
          <select aria-label={`Tier of ${m.display_name}`} value={m.tier ?? ''} disabled={busy} onChange={(e) => onAction({ kind: 'patch', patch: { tier: e.target.value } })}>
            {!m.tier && <option value="">—</option>}
            {tiers.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        ) : (
          (m.tier ?? '—')
        )}
      </td>
      <td>{m.deactivated ? <span className="badge badge-warn">Deactivated</span> : 'Active'}</td>
      <td title={m.last_seen_at ?? ''}>{relativeTime(m.last_seen_at)}</td>
      <td>{m.mfa_enabled ? <span className="badge badge-on">2FA</span> : <span className="muted">—</span>}</td>
      <td>
        <div className="acct-row">
          {rights.deactivate &&
            (m.deactivated ? (
              <button type="button" className="btn-secondary" disabled={busy} onClick={() => onAction({ kind: 'patch', patch: { deactivated: false }, confirm: `Reactivate ${m.display_name}? They can sign in again.` })}>
                Reactivate
              </button>
            ) : (
              <button type="button" className="btn-secondary btn-danger" disabled={busy} onClick={() => onAction({ kind: 'patch', patch: { deactivated: true }, confirm: `Deactivate ${m.display_name}? Their sessions close at once and they cannot sign in.` })}>
                Deactivate
              </button>
            ))}
          {rights.revoke && !m.deactivated && (
            <button type="button" className="btn-secondary" disabled={busy} onClick={() => onAction({ kind: 'reset', confirm: `Make a password reset link for ${m.display_name}?` })}>
              Reset password
            </button>
          )}
          {rights.revoke && !m.deactivated && (
            <button type="button" className="btn-secondary" disabled={busy} onClick={() => onAction({ kind: 'revoke', confirm: `Sign ${m.display_name} out everywhere?` })}>
              Revoke sessions
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}
