//! The members directory for staff (`GET /api/v1/members`): search by name
//! or email, filter by role and status, page on with "Load more"; each row
//! administers the member (MemberRow).
import { useEffect, useState } from 'react';
import { CloseIcon } from '../../components/Icons';
import { fetchDirectory, type DirectoryMember, type DirectoryQuery } from '../../workspace/api';
import { useWorkspace } from '../../workspace/store';
import { MemberRow } from './MemberRow';

export function MembersDirectory({ onClose }: { onClose: () => void }) {
  const me = useWorkspace((s) => s.me);
  const [q, setQ] = useState('');
  const [role, setRole] = useState('');
  const [status, setStatus] = useState<'' | 'active' | 'deactivated'>('');
  const [members, setMembers] = useState<DirectoryMember[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function load(after?: string) {
    setError(null);
    const query: DirectoryQuery = { q: q.trim() || undefined, role: role || undefined, status: status || undefined, after };
    try {
      const r = await fetchDirectory(query);
      setMembers((cur) => (after ? [...(cur ?? []), ...r.members] : r.members));
      setNext(r.next ?? null);
    } catch (e) {
      setError((e as Error).message);
      if (!after) setMembers([]);
    }
  }

  useEffect(() => {
    const t = setTimeout(() => void load(), 200);
    return () => clearTimeout(t);
  }, [q, role, status]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <aside className="side-panel" aria-label="Members directory">
      <header className="side-panel-header">
        <h2>Members directory</h2>
        <button type="button" className="icon-btn" aria-label="Close directory" onClick={onClose}>
          <CloseIcon />
        </button>
      </header>
      <div className="search-filters dir-filters">
        <input type="search" aria-label="Search members" placeholder="Name or email" value={q} onChange={(e) => setQ(e.target.value)} />
        <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="">Any role</option>
          <option value="partner">Partners</option>
          <option value="staff">Staff</option>
          <option value="admin">Admins</option>
        </select>
        <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="">Any status</option>
          <option value="active">Active</option>
          <option value="deactivated">Deactivated</option>
        </select>
      </div>
      {error && (
        <p className="form-error side-panel-pad" role="alert">
          {error}
        </p>
      )}
      {members === null && <p className="muted side-panel-pad">Loading…</p>}
      {members?.length === 0 && !error && <p className="muted side-panel-pad">No members match.</p>}
      {members && members.length > 0 && (
        <ol className="audit-list dir-list" aria-label="Members">
          {members.map((m) => (
            <MemberRow key={m.id} member={m} admin={me?.role === 'admin'} meId={me?.id} onChanged={(nm) => setMembers((cur) => cur?.map((x) => (x.id === nm.id ? { ...x, ...nm } : x)) ?? null)} />
          ))}
        </ol>
      )}
      {next && (
        <button type="button" className="btn-secondary load-more" onClick={() => void load(next)}>
          Load more
        </button>
      )}
    </aside>
  );
}
