//! Message history of a channel: the newest page when it is opened, older
//! pages on scroll-up, and a jump to one message (a search result) that
//! loads older pages until it is there (`channel.history` has `before` and
//! `after` but no `around`, so the loaded run stays contiguous from the newest).
import type { Id } from '../lib/realtime/types';
import type { StoreCore } from './core';
import { HISTORY_PAGE, hasMore, mergeMessages, type HistoryPage } from './state';

/** Most older pages a jump loads before giving up (50 messages each). */
export const JUMP_MAX_PAGES = 20;

/** Loads the newest page; on failure the entry is dropped so the next visit loads again. Answers whether it loaded. */
export async function loadLatest(core: StoreCore, channelId: Id): Promise<boolean> {
  core.set((s) => ({ messages: { ...s.messages, [channelId]: { items: [], loading: true, hasMore: true } } }));
  try {
    const { messages, has_more } = await core.request<HistoryPage>('channel.history', { channel_id: channelId, limit: HISTORY_PAGE });
    core.set((s) => {
      const cm = s.messages[channelId] ?? { items: [], loading: false, hasMore: true };
      return {
        messages: { ...s.messages, [channelId]: { items: mergeMessages(cm.items, messages), loading: false, hasMore: hasMore(messages, has_more) } },
      };
    });
    return true;
  } catch (err) {
    core.set((s) => {
      const messages = { ...s.messages };
      delete messages[channelId];
      return { messages };
    });
    console.warn('[arena] channel.history failed', err);
    return false;
  }
}

/** Loads the page before the oldest loaded message (scroll-up). Answers whether a page came. */
export async function loadOlder(core: StoreCore, channelId: Id): Promise<boolean> {
  const cm = core.get().messages[channelId];
  if (!cm || cm.loading || !cm.hasMore || cm.items.length === 0) return false;
  const before = cm.items[0].id;
  core.set((s) => ({ messages: { ...s.messages, [channelId]: { ...s.messages[channelId], loading: true } } }));
  try {
    const { messages, has_more } = await core.request<HistoryPage>('channel.history', { channel_id: channelId, before, limit: HISTORY_PAGE });
    core.set((s) => ({
      messages: {
        ...s.messages,
        [channelId]: { items: mergeMessages(s.messages[channelId]?.items ?? [], messages), loading: false, hasMore: hasMore(messages, has_more) },
      },
    }));
    return true;
  } catch (err) {
    core.set((s) => ({ messages: { ...s.messages, [channelId]: { ...s.messages[channelId], loading: false } } }));
    console.warn('[arena] older history failed', err);
    return false;
  }
}

const has = (core: StoreCore, channelId: Id, messageId: Id) => !!core.get().messages[channelId]?.items.some((m) => m.id === messageId);

/**
 * Makes `messageId` loaded in its channel (at most [`JUMP_MAX_PAGES`] older
 * pages) and marks it as the jump target, which the list scrolls to and
 * flashes. Answers false when it could not be reached.
 */
export async function jumpTo(core: StoreCore, channelId: Id, messageId: Id): Promise<boolean> {
  const waitLoaded = async () => {
    // The channel's first page may still be on its way (opened just now).
    for (let i = 0; i < 100 && core.get().messages[channelId]?.loading; i++) await new Promise((r) => setTimeout(r, 50));
  };
  await waitLoaded();
  if (!core.get().messages[channelId] && !(await loadLatest(core, channelId))) return false;
  for (let page = 0; page < JUMP_MAX_PAGES && !has(core, channelId, messageId); page++) {
    await waitLoaded();
    if (!(await loadOlder(core, channelId))) break;
  }
  if (!has(core, channelId, messageId)) return false;
  core.set({ jump: { channelId, messageId, at: Date.now() } });
  return true;
}
