//! Sending a message: a pending bubble until the server acknowledges it (the
//! echo or the answer, matched by nonce), kept as "failed" with Retry when
//! the request may have reached the server, dropped with the error otherwise.
import { RequestError } from '../lib/realtime/client';
import type { Id, Message } from '../lib/realtime/types';
import type { StoreCore } from './core';
import { insertSorted, type PendingMessage } from './state';
import { timeoutFromRefusal } from './timeout';

/** Sends a message. Resolves with an error to show in the composer, or null. */
export async function sendMessage(core: StoreCore, channelId: Id, content: string, replyTo: Id | undefined, nonce: string): Promise<RequestError | null> {
  const pending: PendingMessage = { nonce, channel_id: channelId, content, reply_to: replyTo, status: 'sending' };
  core.set((s) => ({ pending: { ...s.pending, [channelId]: [...(s.pending[channelId] ?? []).filter((p) => p.nonce !== nonce), pending] } }));
  try {
    const msg = await core.request<Message>('message.create', {
      channel_id: channelId,
      content,
      nonce,
      ...(replyTo ? { reply_to: replyTo } : {}),
    });
    core.set((s) => {
      const cm = s.messages[channelId];
      return {
        pending: { ...s.pending, [channelId]: (s.pending[channelId] ?? []).filter((p) => p.nonce !== nonce) },
        ...(cm ? { messages: { ...s.messages, [channelId]: { ...cm, items: insertSorted(cm.items, cm.items.find((m) => m.id === msg.id) ?? msg) } } } : {}),
      };
    });
    return null;
  } catch (err) {
    const e = err instanceof RequestError ? err : new RequestError('internal', String(err));
    // If the request may have reached the server, keep the bubble: the
    // backfill after reconnect removes it by nonce if it was committed.
    const maybeSent = e.code === 'disconnected' || e.code === 'timeout';
    // Refused for a timeout the client did not know of: the composer becomes the notice.
    timeoutFromRefusal(core, e);
    core.set((s) => ({
      pending: {
        ...s.pending,
        [channelId]: maybeSent
          ? (s.pending[channelId] ?? []).map((p) => (p.nonce === nonce ? { ...p, status: 'failed' as const, error: e.message } : p))
          : (s.pending[channelId] ?? []).filter((p) => p.nonce !== nonce),
      },
    }));
    return e;
  }
}
