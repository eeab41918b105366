//! Invites (staff): the "Invite" dialog (email, role, tier → the link to copy
//! when the server did not mail it) and the pending invites with revoke. A
//! server without the invite routes answers 404: shown as "not available".
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Dialog } from '../account/Dialog';
import { ApiError, errorText } from '../account/request';
import { createInvite, listInvites, revokeInvite, type CreatedInvite, type Invite, type NewInvite } from './api';
import { DEFAULT_TIERS, inviteRoles } from './query';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Why an invite form would be refused, or null. */
export function inviteProblem(inv: NewInvite): string | null {
  if (!EMAIL.test(inv.email.trim())) return 'Enter an email address.';
  if (inv.role !== 'partner' && inv.tier) return 'Only partners have a tier.';
  return null;
}

const unavailable = (err: unknown) => (err instanceof ApiError && err.status === 404 ? 'Invites are not available on this server yet.' : errorText(err));

function InviteDialog({ actorRole, onClose, onCreated }: { actorRole: string; onClose: () => void; onCreated: () => void }) {
  const roles = inviteRoles(actorRole);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<NewInvite['role']>('partner');
  const [tier, setTier] = useState('bronze');
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  const [copied, setCopied] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const inv: NewInvite = { email: email.trim(), role, ...(role === 'partner' && tier ? { tier } : {}) };
    const p = inviteProblem(inv);
    if (p) return setError(p);
    setError(null);
    try {
      setCreated(await createInvite(inv));
      onCreated();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 409 ? 'That email is already a member or has a pending invite.' : unavailable(err));
    }
  }

  return (
    <Dialog title="Invite a member" onClose={onClose}>
      {created ? (
        <div>
          <p role="status">{created.mailed ? `Invite sent to ${created.email}.` : `Invite created for ${created.email}. Send them this link:`}</p>
          {!created.mailed && (
            <div className="acct-row">
              <code className="acct-secret admin-link">{created.url}</code>
              <button type="button" className="btn-secondary" onClick={() => void navigator.clipboard?.writeText(created.url).then(() => setCopied(true))}>
                {copied ? 'Copied' : 'Copy link'}
              </button>
            </div>
          )}
          <button type="button" className="btn-accent" onClick={onClose}>
            Done
          </button>
        </div>
      ) : (
        <form onSubmit={submit} noValidate>
          <label htmlFor="inv-email">Email</label>
          <input id="inv-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          <label htmlFor="inv-role">Role</label>
          <select id="inv-role" value={role} onChange={(e) => setRole(e.target.value as NewInvite['role'])}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {role === 'partner' && (
            <>
              <label htmlFor="inv-tier">Tier</label>
              <select id="inv-tier" value={tier} onChange={(e) => setTier(e.target.value)}>
                {DEFAULT_TIERS.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </>
          )}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="btn-accent">
            Create invite
          </button>
        </form>
      )}
    </Dialog>
  );
}

/** The pending invites with revoke, and the button that opens the invite dialog. */
export function InvitesPanel({ actorRole }: { actorRole: string }) {
  const [open, setOpen] = useState(false);
  const [invites, setInvites] = useState<Invite[]>([]);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    listInvites('pending').then(
      (r) => {
        setInvites(r.invites);
        setError(null);
      },
      (err) => setError(unavailable(err)),
    );
  }, []);
  useEffect(reload, [reload]);

  return (
    <section className="admin-section" aria-label="Invites">
      <div className="acct-row">
        <h3>Pending invites</h3>
        <button type="button" className="btn-accent" onClick={() => setOpen(true)}>
          Invite
        </button>
      </div>
      {error && <p className="muted">{error}</p>}
      {!error && invites.length === 0 && <p className="muted">No pending invites.</p>}
      {invites.length > 0 && (
        <table className="admin-table">
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Tier</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {invites.map((i) => (
              <tr key={i.id}>
                <td>{i.email}</td>
                <td>{i.role}</td>
                <td>{i.tier ?? '—'}</td>
                <td>{new Date(i.expires_at).toLocaleString()}</td>
                <td>
                  <button type="button" className="btn-secondary" onClick={() => void revokeInvite(i.id).then(reload, (err) => setError(errorText(err)))}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <InviteDialog actorRole={actorRole} onClose={() => setOpen(false)} onCreated={reload} />}
    </section>
  );
}
