//! The members directory for staff: search, role/tier/status filters, paging
//! by `next`, row actions with server errors shown. Rows follow MEMBER_UPDATE
//! through the workspace store (role, tier, name) and are replaced by the
//! server's answer after each action.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useWorkspace } from '../../workspace/store';
import { errorText } from '../account/request';
import { listMembers, memberResetLink, patchMember, revokeSessions, type DirectoryMember } from './api';
import { ConfirmDialog } from './ConfirmDialog';
import { MemberRow, type RowAction } from './DirectoryRow';
import { tierOptions, type DirectoryQuery } from './query';

const PAGE = 50;

export function StaffDirectory({ actor }: { actor: { id: string; role: string } }) {
  const [q, setQ] = useState('');
  const [role, setRole] = useState('');
  const [tier, setTier] = useState('');
  const [status, setStatus] = useState<DirectoryQuery['status']>('');
  const [rows, setRows] = useState<DirectoryMember[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [pending, setPending] = useState<{ m: DirectoryMember; a: RowAction } | null>(null);
  const [notice, setNotice] = useState<{ text: string; url?: string } | null>(null);
  const seq = useRef(0);
  const live = useWorkspace((s) => s.members);

  const load = useCallback(
    async (after?: string, keepError = false) => {
      const mine = ++seq.current;
      setLoading(true);
      if (!keepError) setError(null);
      try {
        const page = await listMembers({ q, role, tier, status, limit: PAGE, after });
        if (mine !== seq.current) return;
        setRows((r) => (after ? [...r, ...page.members] : page.members));
        setNext(page.next);
      } catch (err) {
        if (mine === seq.current) setError(errorText(err));
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [q, role, tier, status],
  );

  useEffect(() => {
    const t = setTimeout(() => void load(), 250);
    return () => clearTimeout(t);
  }, [load]);

  // Live changes from the gateway (MEMBER_UPDATE) for rows on screen.
  useEffect(() => {
    setRows((rs) => {
      let changed = false;
      const out = rs.map((r) => {
        const m = live[r.id];
        if (!m) return r;
        const tierNow = m.tier === undefined ? r.tier : m.tier;
        if (m.display_name === r.display_name && m.role === r.role && tierNow === r.tier) return r;
        changed = true;
        return { ...r, display_name: m.display_name, role: m.role, tier: tierNow ?? null };
      });
      return changed ? out : rs;
    });
  }, [live]);

  async function run(m: DirectoryMember, a: RowAction) {
    setBusyId(m.id);
    setError(null);
    try {
      setNotice(null);
      if (a.kind === 'revoke') {
        await revokeSessions(m.id);
        setNotice({ text: `${m.display_name} was signed out everywhere.` });
      } else if (a.kind === 'reset') {
        const r = await memberResetLink(m.id);
        setNotice(r.mailed ? { text: `A reset link was mailed to ${m.display_name}.` } : { text: `Reset link for ${m.display_name} (valid 30 minutes):`, url: r.url });
      } else {
        const updated = await patchMember(m.id, a.patch);
        setRows((rs) => rs.map((r) => (r.id === updated.id ? updated : r)));
      }
    } catch (err) {
      setError(`${m.display_name}: ${errorText(err)}`);
      void load(undefined, true);
    } finally {
      setBusyId(null);
    }
  }

  const onAction = (m: DirectoryMember, a: RowAction) => (a.confirm ? setPending({ m, a }) : void run(m, a));
  const tiers = tierOptions(rows.map((r) => r.tier));

  return (
    <section aria-label="Members directory">
      <div className="admin-toolbar">
        <input type="search" aria-label="Search members" placeholder="Search by name or email" value={q} onChange={(e) => setQ(e.target.value)} />
        <select aria-label="Filter by role" value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="">All roles</option>
          <option value="partner">Partners</option>
          <option value="staff">Staff</option>
          <option value="admin">Admins</option>
        </select>
        <select aria-label="Filter by tier" value={tier} onChange={(e) => setTier(e.target.value)}>
          <option value="">All tiers</option>
          {tiers.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <select aria-label="Filter by status" value={status} onChange={(e) => setStatus(e.target.value as DirectoryQuery['status'])}>
          <option value="">Any status</option>
          <option value="active">Active</option>
          <option value="deactivated">Deactivated</option>
        </select>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <div className="acct-row" role="status">
          <span>{notice.text}</span>
          {notice.url && <code className="acct-secret admin-link">{notice.url}</code>}
          {notice.url && (
            <button type="button" className="btn-secondary" onClick={() => void navigator.clipboard?.writeText(notice.url ?? '')}>
              Copy link
            </button>
          )}
        </div>
      )}
      <table className="admin-table">
        <thead>
          <tr>
            <th>Member</th>
            <th>Role</th>
            <th>Tier</th>
            <th>Status</th>
            <th>Last seen</th>
            <th>2FA</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <MemberRow key={m.id} m={m} actor={actor} tiers={tiers} busy={busyId === m.id} onAction={(a) => onAction(m, a)} />
          ))}
        </tbody>
      </table>
      {!loading && rows.length === 0 && !error && <p className="muted">No members match.</p>}
      {loading && <p className="muted">Loading…</p>}
      {next && !loading && (
        <button type="button" className="btn-secondary" onClick={() => void load(next)}>
          Load more
        </button>
      )}
      {pending && (
        <ConfirmDialog
          text={pending.a.confirm ?? ''}
          confirmLabel={pending.a.kind === 'revoke' ? 'Revoke' : pending.a.kind === 'reset' ? 'Make link' : pending.a.patch.deactivated ? 'Deactivate' : 'Reactivate'}
          onCancel={() => setPending(null)}
          onConfirm={() => {
            const p = pending;
            setPending(null);
            void run(p.m, p.a);
          }}
        />
      )}
    </section>
  );
}
