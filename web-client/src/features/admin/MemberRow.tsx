//! One member in the staff directory: name, email, role and tier, status and
//! last seen; tier (partners), role (admins only) and deactivate/reactivate
//! (confirmed), and "Sign out everywhere". The server's refusal shows inline.
import { useState } from 'react';
import { Avatar } from '../../components/Avatar';
import { patchMember, revokeSessions, type DirectoryMember } from '../../workspace/api';

/** Partner tiers of the demo program (program.toml), lowest first. */
export const TIERS = ['bronze', 'silver', 'gold', 'platinum'];
const seenFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function MemberRow({ member, admin, meId, onChanged }: { member: DirectoryMember; admin: boolean; meId?: string; onChanged: (m: DirectoryMember) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const self = member.id === meId;
  const manageable = !self && member.role !== 'bot' && (admin || member.role === 'partner');

  async function run(fn: () => Promise<DirectoryMember | unknown>, done?: string) {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const r = await fn();
      if (r && typeof r === 'object' && 'id' in r) onChanged(r as DirectoryMember);
      if (done) setNote(done);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  }

  return (
    <li className={`dir-member${member.deactivated ? ' deactivated' : ''}`} data-user={member.display_name}>
      <div className="dir-head">
        <Avatar id={member.id} name={member.display_name} size={32} />
        <div className="dir-text">
          <strong>{member.display_name}</strong>
          <span className="muted">{member.email}</span>
        </div>
        <span className={`role-tag role-${member.role}`}>{member.role}</span>
      </div>
      <div className="dir-meta muted">
        {member.deactivated ? <span className="dir-status">Deactivated</span> : <span>Active</span>}
        {member.mfa_enabled && <span>2FA on</span>}
        <span>Last seen {member.last_seen_at ? seenFmt.format(new Date(member.last_seen_at)) : 'never'}</span>
      </div>
      {manageable && (
        <div className="dir-actions">
          {member.role === 'partner' && (
            <label>
              <span className="sr-only">Tier of {member.display_name}</span>
              <select aria-label={`Tier of ${member.display_name}`} value={member.tier ?? ''} disabled={busy} onChange={(e) => void run(() => patchMember(member.id, { tier: e.target.value }))}>
                {!member.tier && <option value="">no tier</option>}
                {TIERS.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
          )}
          {admin && (
            <select aria-label={`Role of ${member.display_name}`} value={member.role} disabled={busy} onChange={(e) => void run(() => patchMember(member.id, { role: e.target.value }))}>
              {['partner', 'staff', 'admin'].map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          )}
          <button type="button" className="btn-secondary" disabled={busy} onClick={() => void run(() => revokeSessions(member.id), 'Signed out everywhere.')}>
            Sign out everywhere
          </button>
          {member.deactivated ? (
            <button type="button" className="btn-secondary" disabled={busy} onClick={() => void run(() => patchMember(member.id, { deactivated: false }))}>
              Reactivate
            </button>
          ) : confirm ? (
            <span className="dir-confirm" role="group" aria-label={`Confirm deactivating ${member.display_name}`}>
              <button type="button" className="btn-danger" disabled={busy} onClick={() => void run(() => patchMember(member.id, { deactivated: true }))}>
                Deactivate
              </button>
              <button type="button" className="btn-secondary" onClick={() => setConfirm(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" className="btn-secondary btn-danger-text" disabled={busy} onClick={() => setConfirm(true)}>
              Deactivate…
            </button>
          )}
        </div>
      )}
      {note && (
        <p className="muted dir-note" role="status">
          {note}
        </p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
