//! The moderation order (docs/protocol.md `moderation.timeout`): admin >
//! staff > partner and bot. A member may time out or kick only a member of a
//! lower rank; the server refuses the rest with `forbidden`.
import type { Role } from './realtime/types';

function rank(role: Role): number {
  return role === 'admin' ? 3 : role === 'staff' ? 2 : 1;
}

/** Whether `actor` may moderate `target` (never oneself; partners never). */
export function canModerate(actor: { id: string; role: Role } | undefined, target: { id: string; role: Role }): boolean {
  if (!actor || actor.id === target.id) return false;
  if (actor.role !== 'admin' && actor.role !== 'staff') return false;
  return rank(actor.role) > rank(target.role);
}

/** Staff or admin. */
export function isStaff(role: Role | undefined): boolean {
  return role === 'admin' || role === 'staff';
}
