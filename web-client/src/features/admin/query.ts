//! Pure helpers of the members screen: the directory URL from its filters,
//! relative "last seen" times, the tiers offered and which row actions an
//! actor has (the server's rule, members.rs `check_may_administer`: staff act
//! on partners, admins on anyone but themselves; roles by admins only).

/** Filters of `GET /api/v1/members` (empty strings mean "any"). */
export interface DirectoryQuery {
  q?: string;
  role?: string;
  tier?: string;
  status?: '' | 'active' | 'deactivated';
  /** 1..200 (server default 50). */
  limit?: number;
  after?: string;
}

/** `/api/v1/members?…` with only the filters that are set, in a fixed order. */
export function directoryPath(q: DirectoryQuery): string {
  const p = new URLSearchParams();
  const q2 = q.q?.trim();
  if (q2) p.set('q', q2);
  if (q.role) p.set('role', q.role);
  if (q.tier) p.set('tier', q.tier);
  if (q.status) p.set('status', q.status);
  if (q.limit !== undefined) p.set('limit', String(Math.min(200, Math.max(1, Math.floor(q.limit)))));
  if (q.after) p.set('after', q.after);
  const s = p.toString();
  return s ? `/api/v1/members?${s}` : '/api/v1/members';
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/** "just now", "5 minutes ago", "yesterday", "3 weeks ago"; "never" without a time. */
export function relativeTime(iso: string | undefined | null, now = Date.now(), locale = 'en'): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  const secs = Math.round((t - now) / 1000);
  if (Math.abs(secs) < 45) return 'just now';
  const fmt = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) if (Math.abs(secs) >= size) return fmt.format(Math.round(secs / size), unit);
  return fmt.format(Math.round(secs / 60), 'minute');
}

/** The tiers of the shipped program.toml, plus any others seen in the directory. */
export const DEFAULT_TIERS = ['bronze', 'silver', 'gold', 'platinum'];
export function tierOptions(seen: (string | null | undefined)[]): string[] {
  const out = [...DEFAULT_TIERS];
  for (const t of seen) if (t && !out.includes(t)) out.push(t);
  return out;
}

export interface RowRights {
  tier: boolean;
  role: boolean;
  deactivate: boolean;
  revoke: boolean;
}

/** What `actor` may do to `target` in the directory (the server has the last word). */
export function rowRights(actor: { id: string; role: string }, target: { id: string; role: string }): RowRights {
  const staff = actor.role === 'staff' || actor.role === 'admin';
  const self = actor.id === target.id;
  const bot = target.role === 'bot';
  const may = staff && !self && !bot && (target.role === 'partner' || actor.role === 'admin');
  return { tier: may && target.role === 'partner', role: may && actor.role === 'admin', deactivate: may, revoke: may };
}

/** Invite roles an actor may give: staff invite partners, admins anyone. */
export function inviteRoles(actorRole: string): ('partner' | 'staff' | 'admin')[] {
  return actorRole === 'admin' ? ['partner', 'staff', 'admin'] : ['partner'];
}
