//! The scrollable message list: loads older history near the top (keeping
//! the reader's position), sticks to the bottom for new messages while the
//! reader is at the bottom, and shows pending (unacknowledged) messages.
import { Fragment, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Avatar } from '../../components/Avatar';
import type { Channel, Message } from '../../lib/realtime/types';
import { compareIds } from '../../workspace/ids';
import { useWorkspace, workspace } from '../../workspace/store';
import { MessageItem } from './MessageItem';
import { RichText } from './RichText';

/** Messages by the same author within this many ms are grouped under one header. */
const GROUP_MS = 5 * 60_000;
const EMPTY: never[] = [];
const dayFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

export function MessageList({ channel, onReply }: { channel: Channel; onReply: (m: Message) => void }) {
  const cm = useWorkspace((s) => s.messages[channel.id]);
  const pending = useWorkspace((s) => s.pending[channel.id]) ?? EMPTY;
  const me = useWorkspace((s) => s.me);
  const myReactions = useWorkspace((s) => s.myReactions);
  const deleted = useWorkspace((s) => s.deleted);
  const since = useWorkspace((s) => s.newSince[channel.id]);
  const jump = useWorkspace((s) => (s.jump?.channelId === channel.id ? s.jump : undefined));
  const [flashId, setFlashId] = useState<string | undefined>();
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const prevHeight = useRef(0);
  const prevFirst = useRef<string | undefined>(undefined);
  const items = cm?.items ?? EMPTY;
  // The "New" divider: after the last read id, or (never read) `count` messages from the end.
  const firstNew = !since
    ? undefined
    : since.afterId
      ? items.find((m) => compareIds(m.id, since.afterId!) > 0 && m.author.id !== me?.id)?.id
      : items.length >= since.count
        ? items[items.length - since.count]?.id
        : undefined;

  // Keep the viewport anchored: at the bottom for new messages, in place when older ones are prepended.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const first = items[0]?.id;
    if (prevFirst.current && first !== prevFirst.current && !atBottom.current) {
      el.scrollTop += el.scrollHeight - prevHeight.current;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    prevFirst.current = first;
    prevHeight.current = el.scrollHeight;
    // A first page that does not fill the viewport cannot be scrolled: load more now.
    if (cm && cm.hasMore && !cm.loading && items.length > 0 && el.scrollHeight <= el.clientHeight) void workspace.loadOlder(channel.id);
  }, [items, pending, cm, channel.id]);

  // A jump (search result): scroll the message into the middle and flash it for 2 s.
  const handledJump = useRef(0);
  const flashTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(flashTimer.current), []);
  useEffect(() => {
    if (!jump || handledJump.current === jump.at) return;
    const el = ref.current?.querySelector<HTMLElement>(`[data-message-id="${jump.messageId}"]`);
    if (!el) return;
    handledJump.current = jump.at;
    atBottom.current = false;
    el.scrollIntoView({ block: 'center' });
    el.focus({ preventScroll: true });
    setFlashId(jump.messageId);
    clearTimeout(flashTimer.current);
    flashTimer.current = setTimeout(() => setFlashId(undefined), 2000);
    workspace.clearJump();
  }, [jump, items]);

  useLayoutEffect(() => {
    atBottom.current = true;
    prevFirst.current = undefined;
  }, [channel.id]);

  function onScroll() {
    const el = ref.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    prevHeight.current = el.scrollHeight;
    if (el.scrollTop < 300) void workspace.loadOlder(channel.id);
  }

  const byId = new Map(items.map((m) => [m.id, m]));

  return (
    <div className="message-scroller" ref={ref} onScroll={onScroll} data-testid="message-scroller">
      {cm && !cm.hasMore && (
        <div className="channel-intro">
          <h2>Welcome to #{channel.name || channel.key}</h2>
          <p>{channel.topic || 'This is the start of the channel.'}</p>
        </div>
      )}
      {cm?.loading && <div className="loading-older" role="status">Loading messages…</div>}
      <ol className="messages" aria-label={`Messages in #${channel.key}`} aria-live="polite" aria-relevant="additions">
        {items.map((m, i) => {
          const prev = items[i - 1];
          const day = dayFmt.format(new Date(m.created_at));
          const newDay = !prev || dayFmt.format(new Date(prev.created_at)) !== day;
          const grouped =
            !newDay && m.id !== firstNew && !!prev && !m.reply_to && !m.card && prev.author.id === m.author.id && Date.parse(m.created_at) - Date.parse(prev.created_at) < GROUP_MS;
          return (
            <Fragment key={m.id}>
            {newDay && (
              <li className="day-divider" role="separator" aria-label={day}>
                <span>{day}</span>
              </li>
            )}
            {m.id === firstNew && (
              <li className="new-divider" role="separator" aria-label="New messages">
                <span>New</span>
              </li>
            )}
            <MessageItem
              key={m.id}
              message={m}
              grouped={grouped}
              me={me}
              replyTarget={m.reply_to ? byId.get(m.reply_to) : undefined}
              replyDeleted={!!m.reply_to && !!deleted[m.reply_to]}
              mine={myReactions[m.id] ?? EMPTY}
              onReply={onReply}
              flash={m.id === flashId}
            />
            </Fragment>
          );
        })}
        {pending.map((p) => (
          <li key={p.nonce} className={`message pending ${p.status}`} data-pending={p.status}>
            <div className="message-row">
              <div className="message-gutter">{me && <Avatar id={me.id} name={me.display_name} size={40} />}</div>
              <div className="message-body">
                <div className="message-head">
                  <span className="author">{me?.display_name}</span>
                  <span className="muted">{p.status === 'sending' ? 'Sending…' : 'Not delivered'}</span>
                </div>
                <div className="message-content">
                  <RichText text={p.content} />
                </div>
                {p.status === 'failed' && (
                  <div className="pending-actions">
                    <span className="form-error">{p.error}</span>
                    <button type="button" className="link-btn" onClick={() => workspace.retryPending(p)}>
                      Retry
                    </button>
                    <button type="button" className="link-btn" onClick={() => workspace.discardPending(p)}>
                      Discard
                    </button>
                  </div>
                )}
              </div>
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
