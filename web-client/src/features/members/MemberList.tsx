//! Right-hand member list grouped by presence, live via PRESENCE_UPDATE.
//! Members without a presence are offline. Each row carries the app's
//! member actions (message, moderation) on hover or focus.
import { Avatar } from '../../components/Avatar';
import { useSlots } from '../../components/slots';
import type { Status, User } from '../../lib/realtime/types';
import { useWorkspace } from '../../workspace/store';

const GROUPS: { status: Status; label: string }[] = [
  { status: 'online', label: 'Online' },
  { status: 'idle', label: 'Idle' },
  { status: 'dnd', label: 'Do not disturb' },
  { status: 'offline', label: 'Offline' },
];

export function roleLabel(u: User): string {
  if (u.role === 'partner') return u.tier ? `Partner · ${u.tier}` : 'Partner';
  return u.role.charAt(0).toUpperCase() + u.role.slice(1);
}

export function MemberList() {
  const members = useWorkspace((s) => s.members);
  const presences = useWorkspace((s) => s.presences);
  const me = useWorkspace((s) => s.me);
  const ownStatus = useWorkspace((s) => s.ownStatus);
  const slots = useSlots();

  const statusOf = (u: User): Status => {
    if (u.id === me?.id) return ownStatus === 'invisible' ? 'offline' : ownStatus;
    return presences[u.id]?.status ?? 'offline';
  };
  const sorted = Object.values(members).sort((a, b) => a.display_name.localeCompare(b.display_name));

  return (
    <aside className="member-list" aria-label="Members">
      {GROUPS.map(({ status, label }) => {
        const list = sorted.filter((u) => statusOf(u) === status);
        if (list.length === 0) return null;
        return (
          <section key={status} aria-labelledby={`members-${status}`} data-presence-group={status}>
            <h2 id={`members-${status}`} className="category-name">
              {label} — {list.length}
            </h2>
            <ul>
              {list.map((u) => (
                <li key={u.id} className={`member${status === 'offline' ? ' offline' : ''}`} data-user={u.display_name}>
                  <Avatar id={u.id} name={u.display_name} size={32} status={status} />
                  <span className="member-text">
                    <span className={`member-name role-${u.role}`}>{u.display_name}</span>
                    <span className="member-sub">{roleLabel(u)}</span>
                  </span>
                  <span className="sr-only">{label}</span>
                  {slots.memberActions && <span className="member-actions">{slots.memberActions(u)}</span>}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </aside>
  );
}
