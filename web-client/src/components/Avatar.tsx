//! Initials avatar with a colour derived from the user id, plus an optional presence dot.
import type { Status } from '../lib/realtime/types';

const COLORS = ['#5865f2', '#3ba55c', '#faa61a', '#ed4245', '#eb459e', '#9b59b6', '#1abc9c', '#e67e22'];

function colorFor(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return COLORS[h % COLORS.length];
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}

export function Avatar({ id, name, size = 40, status }: { id: string; name: string; size?: number; status?: Status }) {
  return (
    <span className="avatar" style={{ width: size, height: size, background: colorFor(id), fontSize: size * 0.38 }} aria-hidden="true">
      {initials(name)}
      {status && <span className={`presence-dot presence-${status}`} />}
    </span>
  );
}
