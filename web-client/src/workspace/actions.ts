//! Message and channel actions outside the composer (edit, delete, pin,
//! react, staff channel settings). A refusal becomes the store's notice.
import type { RequestError } from '../lib/realtime/client';
import type { Channel, Id, Message, Panel } from '../lib/realtime/types';
import type { StoreCore } from './core';

/** Shows "Could not <what>: <server message>". */
export type Notify = (err: unknown, what: string) => void;

/** Replaces a channel's loaded messages by `fn(items)` (no-op when the channel is not loaded). */
export function updateMessages(core: StoreCore, channelId: Id, fn: (items: Message[]) => Message[]): void {
  core.set((s) => {
    const cm = s.messages[channelId];
    if (!cm) return {};
    const items = fn(cm.items);
    return items === cm.items ? {} : { messages: { ...s.messages, [channelId]: { ...cm, items } } };
  });
}

export async function editMessage(core: StoreCore, notify: Notify, messageId: Id, content: string): Promise<boolean> {
  try {
    const msg = await core.request<Message>('message.edit', { message_id: messageId, content });
    if (msg?.id) updateMessages(core, msg.channel_id, (items) => items.map((m) => (m.id === msg.id ? msg : m)));
    return true;
  } catch (err) {
    notify(err, 'edit the message');
    return false;
  }
}

export async function deleteMessage(core: StoreCore, notify: Notify, messageId: Id): Promise<void> {
  try {
    await core.request('message.delete', { message_id: messageId });
  } catch (err) {
    notify(err, 'delete the message');
  }
}

/** Staff: slow mode / lock / topic. The result also arrives as CHANNEL_UPDATE. */
export async function updateChannel(core: StoreCore, notify: Notify, channelId: Id, patch: { slow_mode_s?: number; locked?: boolean; topic?: string }): Promise<void> {
  try {
    const ch = await core.request<Channel>('channel.update', { channel_id: channelId, ...patch });
    if (ch?.id) core.set((s) => ({ channels: s.channels.map((c) => (c.id === ch.id ? { ...c, ...ch, can_post: c.can_post } : c)) }));
  } catch (err) {
    notify(err, 'update the channel');
  }
}

export async function setPinned(core: StoreCore, notify: Notify, messageId: Id, pinned: boolean): Promise<void> {
  try {
    await core.request(pinned ? 'message.pin' : 'message.unpin', { message_id: messageId });
  } catch (err) {
    notify(err, pinned ? 'pin the message' : 'unpin the message');
  }
}

export async function toggleReaction(core: StoreCore, notify: Notify, messageId: Id, emoji: string): Promise<void> {
  const mine = core.get().myReactions[messageId]?.includes(emoji);
  try {
    await core.request(mine ? 'reaction.remove' : 'reaction.add', { message_id: messageId, emoji });
  } catch (err) {
    const e = err as RequestError;
    if (!mine && e.code === 'conflict') {
      // Already reacted in an earlier session: the toggle means remove.
      await core.request('reaction.remove', { message_id: messageId, emoji }).catch((e2) => notify(e2, 'react'));
      return;
    }
    notify(err, 'react');
  }
}

/** `panel.get`: the panel of a panel channel (a newer one already held is kept); errors are kept for the view. */
export async function loadPanel(core: StoreCore, channelId: Id): Promise<void> {
  core.set((s) => ({ panels: { ...s.panels, [channelId]: { ...s.panels[channelId], loading: true } } }));
  try {
    const { panel } = await core.request<{ panel: Panel }>('panel.get', { channel_id: channelId });
    core.set((s) => {
      const cur = s.panels[channelId]?.panel;
      const keep = cur && cur.version > panel.version ? cur : panel;
      return { panels: { ...s.panels, [channelId]: { panel: keep, loading: false } } };
    });
  } catch (err) {
    const e = err as RequestError;
    core.set((s) => ({ panels: { ...s.panels, [channelId]: { loading: false, error: { code: e.code ?? 'internal', message: e.message } } } }));
  }
}
