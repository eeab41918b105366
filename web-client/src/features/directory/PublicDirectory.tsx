//! The partners' public member directory (issue 13): `GET /api/v1/members`
//! answers partners with active members' public fields (name, role, tier,
//! bio) when the tenant's `partner_directory` setting is on, 403 when off.
//! Searchable (words of the name, debounced), paged by the server's `next`
//! cursor ("Load more"), each member with their avatar (fetched per row into
//! a data URL, the CSP's only way) and a "Message" button. A 403 is explained,
//! not shown as an error. Staff use the console (features/admin) instead.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Avatar } from '../../components/Avatar';
import type { User } from '../../lib/realtime/types';
import { ApiError, errorText } from '../account/request';
import { Dialog } from '../account/Dialog';
import '../account/account.css';
import { listMembers, type DirectoryMember } from '../admin/api';
import { MessageButton } from '../dms/MessageButton';
import { memberAvatar } from './avatars';
import './directory.css';

/** Members per page (the server allows 1..200). */
export const PAGE = 30;

/** What a partner reads when the workspace keeps its directory to staff. */
export const CLOSED_TEXT = 'This workspace keeps its member directory to staff. Ask a program manager if you need to reach someone.';

/** True for the server's answer that the tenant keeps the directory from partners. */
export const isClosed = (err: unknown) => err instanceof ApiError && err.status === 403;

function MemberAvatar({ m }: { m: DirectoryMember }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void memberAvatar(m.id).then((u) => live && setSrc(u));
    return () => {
      live = false;
    };
  }, [m.id]);
  return src ? <img className="dir-avatar" src={src} alt="" width={40} height={40} /> : <Avatar id={m.id} name={m.display_name} size={40} />;
}

export function PublicDirectory({ onClose, onClosedByTenant, onOpenDm }: { onClose: () => void; onClosedByTenant: () => void; onOpenDm: (key: string) => void }) {
  const [q, setQ] = useState('');
  const [rows, setRows] = useState<DirectoryMember[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [closed, setClosed] = useState(false);
  const seq = useRef(0);

  const load = useCallback(
    async (after?: string) => {
      const mine = ++seq.current;
      setLoading(true);
      setError(null);
      try {
        const page = await listMembers({ q, limit: PAGE, after });
        if (mine !== seq.current) return;
        setClosed(false);
        setRows((r) => (after ? [...r, ...page.members] : page.members));
        setNext(page.next);
      } catch (err) {
        if (mine !== seq.current) return;
        if (isClosed(err)) {
          setClosed(true);
          setRows([]);
          setNext(undefined);
          onClosedByTenant();
        } else setError(errorText(err));
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [q, onClosedByTenant],
  );

  useEffect(() => {
    const t = setTimeout(() => void load(), 250);
    return () => clearTimeout(t);
  }, [load]);

  return (
    <Dialog title="Member directory" onClose={onClose} wide>
      <div className="admin-toolbar">
        <input type="search" aria-label="Search members" placeholder="Search by name" value={q} maxLength={100} onChange={(e) => setQ(e.target.value)} />
      </div>
      {closed && (
        <p className="dir-closed" role="status">
          {CLOSED_TEXT}
        </p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!closed && !loading && !error && rows.length === 0 && <p className="muted">{q.trim() ? 'Nobody matches that search.' : 'No members yet.'}</p>}
      {rows.length > 0 && (
        <ul className="dir-list" aria-label="Members">
          {rows.map((m) => (
            <li key={m.id} className="dir-card" data-member-id={m.id}>
              <MemberAvatar m={m} />
              <div className="dir-text">
                <div className="dir-name">
                  {m.display_name}
                  {m.role !== 'partner' && <span className="badge badge-quiet">{m.role}</span>}
                  {m.tier && <span className={`badge badge-quiet dir-tier tier-${m.tier}`}>{m.tier}</span>}
                </div>
                {m.bio && <p className="dir-bio">{m.bio}</p>}
              </div>
              <MessageButton user={{ id: m.id, display_name: m.display_name, role: m.role as User['role'] }} className="icon-btn" onOpened={onOpenDm} />
            </li>
          ))}
        </ul>
      )}
      {next && !closed && (
        <button type="button" className="btn-secondary" disabled={loading} onClick={() => void load(next)}>
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </Dialog>
  );
}
