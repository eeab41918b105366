//! What a channel's unread state shows under the member's notification
//! settings (`GET/PATCH /api/v1/me/settings`: `notifications` level and
//! `muted_channels`), as Discord applies its "Mute Channel" and its
//! "All Messages" / "Only @mentions" / "Nothing" levels:
//! - a muted channel is dimmed and never bold, shows no unread count, but a
//!   mention in it still shows the red mention badge;
//! - level `all`: unread counts and mention badges, both count toward the totals;
//! - level `mentions`: channels keep their bold/unread state, but only mentions
//!   (and DMs, which are addressed to the member: server docs, "mentions and
//!   DMs only") count toward the totals;
//! - level `none`: only the channel's own bold/unread state shows, with no red
//!   badges and nothing toward the totals.
//! Pure functions: the sidebar, the DM list and the tab title call them.
import type { Channel, Id } from '../../lib/realtime/types';

/** The member's notification level (server field `notifications`). */
export type NotifyLevel = 'all' | 'mentions' | 'none';

export const LEVELS: readonly NotifyLevel[] = ['all', 'mentions', 'none'];

/** The settings the rules read: the level and the muted channel ids. */
export interface NotifyRules {
  level: NotifyLevel;
  muted: ReadonlySet<Id>;
}

/** How one channel link shows. Counts are ≥ 0; 0 means no badge. */
export interface ChannelMarks {
  /** Bold with the unread pip (Discord's "unread" white channel name). */
  bold: boolean;
  /** Greyed out: the channel is muted. */
  dimmed: boolean;
  /** The quiet unread count badge. */
  unread: number;
  /** The red mention badge. */
  mentions: number;
}

/**
 * The marks of a channel with `unread` unread messages, `mentions` of them
 * mentioning the member. A DM's every message is addressed to the member, so
 * its unread count shows as mentions (red), as Discord does. The open channel
 * shows nothing (`active`).
 */
export function channelMarks(ch: Pick<Channel, 'id' | 'kind'>, unread: number, mentions: number, rules: NotifyRules, active = false): ChannelMarks {
  const muted = rules.muted.has(ch.id);
  if (active) return { bold: false, dimmed: muted, unread: 0, mentions: 0 };
  const at = ch.kind === 'dm' ? Math.max(unread, mentions) : mentions;
  if (muted) return { bold: false, dimmed: true, unread: 0, mentions: rules.level === 'none' ? 0 : at };
  if (rules.level === 'none') return { bold: unread > 0, dimmed: false, unread: unread, mentions: 0 };
  return { bold: unread > 0, dimmed: false, unread: ch.kind === 'dm' ? 0 : unread, mentions: at };
}

/** The workspace-wide totals: the mention count and whether any other unread counts. */
export interface Totals {
  mentions: number;
  /** Some counting channel has unread messages (level `all` only). */
  unread: boolean;
}

/**
 * Totals over `channels` (the open channel excluded): mentions in every
 * channel (muted included) and DM messages count under `all` and
 * `mentions`; plain unread messages of unmuted channels only under `all`;
 * nothing under `none`.
 */
export function totals(channels: Pick<Channel, 'id' | 'kind'>[], unread: Record<Id, number>, mentions: Record<Id, number>, rules: NotifyRules, activeId?: Id): Totals {
  const out: Totals = { mentions: 0, unread: false };
  if (rules.level === 'none') return out;
  for (const c of channels) {
    if (c.id === activeId) continue;
    const m = channelMarks(c, unread[c.id] ?? 0, mentions[c.id] ?? 0, rules);
    out.mentions += m.mentions;
    if (rules.level === 'all' && m.unread > 0) out.unread = true;
  }
  return out;
}

/** The tab title's prefix, as Discord writes it: `(3) ` for mentions, `• ` for other unread, else nothing. */
export function titlePrefix(t: Totals): string {
  if (t.mentions > 0) return `(${t.mentions > 99 ? '99+' : t.mentions}) `;
  return t.unread ? '• ' : '';
}
