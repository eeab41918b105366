//! Requests about members: the member and presence lists (paged), direct
//! messages (`dm.open`), moderation (`moderation.timeout`, `moderation.kick`)
//! and search (`search`).
import type { Channel, Id, Message, Presence, User } from '../lib/realtime/types';
import type { StoreCore } from './core';
import { MAX_LIST_PAGES } from './state';

/** Every member, page by page (`member.list {after}` while `has_more`). */
export async function loadMembers(core: StoreCore): Promise<void> {
  try {
    let after: Id | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const r = await core.request<{ members: User[]; has_more?: boolean }>('member.list', after ? { after } : {});
      core.set((s) => ({ members: { ...s.members, ...Object.fromEntries(r.members.map((m) => [m.id, m])) } }));
      after = r.members.at(-1)?.id;
      if (!r.has_more || !after) break;
    }
  } catch (err) {
    console.warn('[arena] member.list failed', err);
  }
}

/** Every visible presence, page by page (`presence.list {after}` while `has_more`). */
export async function refreshPresences(core: StoreCore): Promise<void> {
  try {
    const all: Presence[] = [];
    let after: Id | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const r = await core.request<{ presences: Presence[]; has_more?: boolean }>('presence.list', after ? { after } : {});
      all.push(...r.presences);
      after = r.presences.at(-1)?.user_id;
      if (!r.has_more || !after) break;
    }
    core.set({ presences: Object.fromEntries(all.map((p) => [p.user_id, p])) });
  } catch (err) {
    console.warn('[arena] presence.list failed', err);
  }
}

/** Adds or replaces a channel, keeping position order (CHANNEL_CREATE, `dm.open`). */
export function upsertChannel(core: StoreCore, ch: Channel): void {
  core.set((s) => ({
    channels: [...s.channels.filter((c) => c.id !== ch.id), ch].sort((a, b) => a.position - b.position),
  }));
}

/** `dm.open`: the DM channel with `userId` (created once); rejects with the server's RequestError (`forbidden` when they turned DMs off). */
export async function openDm(core: StoreCore, userId: Id): Promise<Channel> {
  const ch = await core.request<Channel>('dm.open', { user_id: userId });
  upsertChannel(core, ch);
  return ch;
}

/** `moderation.timeout` for `minutes` (0 lifts it); answers the end (RFC 3339) or null. */
export async function timeoutMember(core: StoreCore, userId: Id, minutes: number, reason: string): Promise<string | null> {
  const r = await core.request<{ muted_until: string | null }>('moderation.timeout', { user_id: userId, minutes, reason });
  return r.muted_until;
}

/** `moderation.kick`: closes the member's sessions and ends their tokens. */
export async function kickMember(core: StoreCore, userId: Id, reason: string): Promise<void> {
  await core.request('moderation.kick', { user_id: userId, reason });
}

/** `search` parameters (docs/protocol.md "search"); `before` pages on by message id. */
export interface SearchParams {
  query: string;
  channel_id?: Id;
  author_id?: Id;
  before?: Id;
  limit?: number;
}

export interface SearchHit {
  message: Message;
  /** HTML-escaped content with `<mark>` around matches (lib/highlight.ts renders it). */
  highlight: string;
}

export function search(core: StoreCore, p: SearchParams): Promise<{ hits: SearchHit[]; has_more?: boolean }> {
  return core.request('search', { limit: 25, ...p });
}
