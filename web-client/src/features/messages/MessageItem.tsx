//! One message: author header (unless grouped with the previous one), reply
//! preview, text or card, reactions, and hover/tap actions (reply, react,
//! edit and delete for the author; delete for staff; the app's extra
//! actions on the author, e.g. moderation). A message mentioning the
//! signed-in member is highlighted; a jump target flashes.
import { memo, useState, type KeyboardEvent } from 'react';
import { Avatar } from '../../components/Avatar';
import { useSlots } from '../../components/slots';
import { EditIcon, PinIcon, ReplyIcon, SmileIcon, TrashIcon } from '../../components/Icons';
import type { Message, User } from '../../lib/realtime/types';
import { workspace } from '../../workspace/store';
import { MessageCard } from './MessageCard';
import { RichText } from './RichText';

export const QUICK_EMOJIS = ['👍', '❤️', '😂', '🎉', '🔥', '👀'];

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "Today at 14:05", "Yesterday at 09:12", else the full date. */
export function friendlyTime(d: Date, now = new Date()): string {
  const startOfDay = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((startOfDay(now) - startOfDay(d)) / 86_400_000);
  if (days === 0) return `Today at ${timeFmt.format(d)}`;
  if (days === 1) return `Yesterday at ${timeFmt.format(d)}`;
  return dateFmt.format(d);
}

interface Props {
  message: Message;
  grouped: boolean;
  me?: User;
  replyTarget?: Message;
  /** The replied-to message was deleted (vs. merely not loaded). */
  replyDeleted?: boolean;
  mine: string[];
  onReply: (m: Message) => void;
  /** This message is the target of a jump (search result): flash it. */
  flash?: boolean;
}

export const MessageItem = memo(function MessageItem({ message: m, grouped, me, replyTarget, replyDeleted, mine, onReply, flash }: Props) {
  const slots = useSlots();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(m.content);
  const [picker, setPicker] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const own = !!me && m.author.id === me.id;
  const staff = me?.role === 'admin' || me?.role === 'staff';
  const created = new Date(m.created_at);
  const mentionsMe = !!me && !own && !!m.mentions?.includes(me.id);

  async function save() {
    const text = draft.trim();
    if (!text || text === m.content) return setEditing(false);
    if (await workspace.editMessage(m.id, text)) setEditing(false);
  }
  function onEditKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape') {
      setEditing(false);
      setDraft(m.content);
    }
  }

  return (
    <li tabIndex={-1} className={`message${grouped ? ' grouped' : ''}${own ? ' own' : ''}${mentionsMe ? ' mentioned' : ''}${flash ? ' flash' : ''}`} data-message-id={m.id} aria-label={`${m.author.display_name}: ${m.content || m.card?.type || ''}`}>
      {m.reply_to && (
        <div className="reply-preview">
          <ReplyIcon size={14} />
          {replyTarget ? (
            <>
              <span className="reply-author">{replyTarget.author.display_name}</span>
              <span className="reply-text">{replyTarget.content || replyTarget.card?.type}</span>
            </>
          ) : (
            <span className="reply-text muted">{replyDeleted ? 'Original message was deleted' : 'Original message not loaded'}</span>
          )}
        </div>
      )}
      <div className="message-row">
        <div className="message-gutter">
          {grouped ? (
            <time className="hover-time" dateTime={m.created_at} title={dateFmt.format(created)}>
              {timeFmt.format(created)}
            </time>
          ) : (
            <Avatar id={m.author.id} name={m.author.display_name} size={40} />
          )}
        </div>
        <div className="message-body">
          {!grouped && (
            <div className="message-head">
              <span className={`author role-${m.author.role}`}>{m.author.display_name}</span>
              {m.author.role !== 'partner' && <span className={`role-tag role-${m.author.role}`}>{m.author.role}</span>}
              {m.pinned && (
                <span className="pinned-tag" title="Pinned">
                  <PinIcon size={12} /> Pinned
                </span>
              )}
              <time dateTime={m.created_at} title={dateFmt.format(created)}>
                {friendlyTime(created)}
              </time>
            </div>
          )}
          {editing ? (
            <div className="edit-box">
              <textarea aria-label="Edit message" value={draft} autoFocus onChange={(e) => setDraft(e.target.value)} onKeyDown={onEditKey} rows={Math.min(8, draft.split('\n').length + 1)} />
              <div className="edit-hint">
                Escape to <button type="button" className="link-btn" onClick={() => setEditing(false)}>cancel</button> · Enter to{' '}
                <button type="button" className="link-btn" onClick={() => void save()}>save</button>
              </div>
            </div>
          ) : (
            m.content && (
              <div className="message-content">
                <RichText text={m.content} />
                {m.edited_at && <span className="edited" title={dateFmt.format(new Date(m.edited_at))}> (edited)</span>}
                {grouped && m.pinned && (
                  <span className="pinned-tag" title="Pinned">
                    {' '}
                    <PinIcon size={12} /> Pinned
                  </span>
                )}
              </div>
            )
          )}
          {m.card && <MessageCard card={m.card} />}
          {m.reactions.length > 0 && (
            <div className="reactions">
              {m.reactions.map((r) => (
                <button
                  key={r.emoji}
                  type="button"
                  className={`reaction${mine.includes(r.emoji) ? ' mine' : ''}`}
                  aria-pressed={mine.includes(r.emoji)}
                  aria-label={`${r.emoji} ${r.count}`}
                  onClick={() => void workspace.toggleReaction(m.id, r.emoji)}
                >
                  <span aria-hidden="true">{r.emoji}</span> <span>{r.count}</span>
                </button>
              ))}
            </div>
          )}
          {confirmDelete && (
            <div className="confirm-delete" role="group" aria-label="Confirm delete">
              Delete this message?
              <button type="button" className="btn-danger" onClick={() => void workspace.deleteMessage(m.id)}>
                Delete
              </button>
              <button type="button" className="btn-secondary" onClick={() => setConfirmDelete(false)}>
                Cancel
              </button>
            </div>
          )}
        </div>
      </div>
      {!editing && (
        <div className="message-actions" role="toolbar" aria-label="Message actions">
          <button type="button" aria-label="Add reaction" title="Add reaction" onClick={() => setPicker((p) => !p)}>
            <SmileIcon />
          </button>
          <button type="button" aria-label="Reply" title="Reply" onClick={() => onReply(m)}>
            <ReplyIcon />
          </button>
          {own && !m.card && (
            <button type="button" aria-label="Edit message" title="Edit" onClick={() => (setDraft(m.content), setEditing(true))}>
              <EditIcon />
            </button>
          )}
          {staff && (
            <button type="button" aria-label={m.pinned ? 'Unpin message' : 'Pin message'} title={m.pinned ? 'Unpin' : 'Pin'} onClick={() => void workspace.setPinned(m.id, !m.pinned)}>
              <PinIcon />
            </button>
          )}
          {!own && slots.messageActions?.(m.author)}
          {(own || staff) && (
            <button type="button" aria-label="Delete message" title="Delete" className="danger" onClick={() => setConfirmDelete(true)}>
              <TrashIcon />
            </button>
          )}
          {picker && (
            <div className="emoji-picker" role="menu" aria-label="Pick a reaction">
              {QUICK_EMOJIS.map((e) => (
                <button
                  key={e}
                  type="button"
                  role="menuitem"
                  aria-label={`React with ${e}`}
                  onClick={() => {
                    setPicker(false);
                    void workspace.toggleReaction(m.id, e);
                  }}
                >
                  {e}
                </button>
              ))}
            </div>
          )}
        </div>
      )}
    </li>
  );
});
