//! The composer: a textarea labelled "Message #<key>". Enter sends,
//! Shift+Enter inserts a newline; request errors (slow_mode, rate_limited,
//! forbidden …) are shown inline. Where the user cannot post, a read-only
//! notice replaces it, and a timed-out member sees the TimeoutNotice.
//! Typing `@` opens the member autocomplete (arrows, Enter/Tab, Escape),
//! which inserts `<@id>`.
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { CloseIcon, LockIcon } from '../../components/Icons';
import { activeMention, filterMembers, insertMention, type ActiveMention } from '../../lib/mentions';
import type { Channel, Message, User } from '../../lib/realtime/types';
import { useWorkspace, workspace } from '../../workspace/store';
import { MentionPicker } from './MentionPicker';
import { TimeoutNotice } from './TimeoutNotice';

/** Matches the server's message size limit closely enough to warn early. */
const MAX_LEN = 4000;

function describe(code: string, message: string, retryAfterMs?: number, mutedReason?: string): string {
  const secs = retryAfterMs ? Math.ceil(retryAfterMs / 1000) : undefined;
  // A write refused for a timeout carries retry_after_ms (docs/protocol.md "Moderation").
  if (code === 'forbidden' && retryAfterMs) return `You are timed out for ${secs}s more${mutedReason ? ` — ${mutedReason}` : ''}.`;
  switch (code) {
    case 'slow_mode':
      return `Slow mode is on — you can send again in ${secs ?? 'a few'}s.`;
    case 'rate_limited':
      return `You're sending too fast — try again in ${secs ?? 'a few'}s.`;
    case 'forbidden':
      return `You can't post here: ${message}`;
    case 'too_large':
      return 'That message is too long.';
    case 'disconnected':
    case 'timeout':
      return 'Not sent — connection lost. It will show a retry option below.';
    default:
      return message || 'Something went wrong.';
  }
}

export function Composer({ channel, replyTo, onClearReply }: { channel: Channel; replyTo?: Message; onClearReply: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const connection = useWorkspace((s) => s.connection);
  const me = useWorkspace((s) => s.me);
  const staff = me?.role === 'admin' || me?.role === 'staff';
  const mutedUntil = useWorkspace((s) => s.mutedUntil);
  const mutedReason = useWorkspace((s) => s.mutedReason);
  const members = useWorkspace((s) => s.members);
  const [mention, setMention] = useState<ActiveMention | null>(null);
  const [activeOpt, setActiveOpt] = useState(0);
  const options = useMemo(() => {
    if (!mention) return [];
    const all = Object.values(members);
    // In a DM only its other member can be mentioned usefully.
    const pool = channel.kind === 'dm' ? all.filter((u) => u.display_name === channel.name) : all;
    return filterMembers(pool, mention.query, me?.id);
  }, [mention, members, channel.kind, channel.name, me?.id]);

  useEffect(() => {
    setText('');
    setError(null);
    setMention(null);
  }, [channel.id]);
  useEffect(() => {
    if (replyTo) ref.current?.focus();
  }, [replyTo]);

  if (mutedUntil && mutedUntil > Date.now()) return <TimeoutNotice until={mutedUntil} reason={mutedReason} />;
  if (!channel.can_post || (channel.locked && !staff)) {
    return (
      <div className="composer-readonly" role="note">
        <LockIcon />
        <span>{channel.locked ? 'This channel is locked.' : `You don't have permission to send messages in #${channel.key}.`}</span>
      </div>
    );
  }

  async function send() {
    const content = text.trim();
    if (!content) return;
    if (content.length > MAX_LEN) {
      setError(`Messages can be at most ${MAX_LEN} characters.`);
      return;
    }
    const reply = replyTo?.id;
    setText('');
    setError(null);
    onClearReply();
    workspace.sent(channel.id);
    const err = await workspace.sendMessage(channel.id, content, reply);
    if (err) {
      setError(describe(err.code, err.message, err.retryAfterMs, workspace.getState().mutedReason));
      if (err.code !== 'disconnected' && err.code !== 'timeout') setText((cur) => cur || content);
    }
  }

  function pick(u: User) {
    const el = ref.current;
    if (!mention || !el) return;
    const next = insertMention(text, mention, el.selectionStart ?? text.length, u.id);
    setText(next.text);
    setMention(null);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  }

  function trackMention(value: string, caret: number) {
    const m = activeMention(value, caret);
    setMention(m);
    if (!m || m.query !== mention?.query) setActiveOpt(0);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (mention && options.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setActiveOpt((i) => (i + d + options.length) % options.length);
        return;
      }
      if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
        e.preventDefault();
        pick(options[Math.min(activeOpt, options.length - 1)]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setMention(null);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    } else if (e.key === 'Escape' && replyTo) {
      onClearReply();
    }
  }

  const rows = Math.min(8, text.split('\n').length);
  return (
    <div className="composer">
      {replyTo && (
        <div className="replying-to">
          Replying to <strong>{replyTo.author.display_name}</strong>
          <button type="button" aria-label="Cancel reply" onClick={onClearReply}>
            <CloseIcon size={16} />
          </button>
        </div>
      )}
      {error && (
        <p className="composer-error" role="alert">
          {error}
        </p>
      )}
      <MentionPicker options={mention ? options : []} active={Math.min(activeOpt, options.length - 1)} onPick={pick} />
      <div className="composer-box">
        <textarea
          ref={ref}
          aria-label={channel.kind === 'dm' ? `Message @${channel.name}` : `Message #${channel.key}`}
          placeholder={channel.kind === 'dm' ? `Message @${channel.name}` : `Message #${channel.name || channel.key}`}
          value={text}
          rows={rows}
          aria-autocomplete="list"
          aria-controls={mention && options.length > 0 ? 'mention-picker' : undefined}
          aria-activedescendant={mention && options[activeOpt] ? `mention-opt-${options[activeOpt].id}` : undefined}
          onBlur={() => setMention(null)}
          onSelect={(e) => trackMention(e.currentTarget.value, e.currentTarget.selectionStart ?? 0)}
          onChange={(e) => {
            setText(e.target.value);
            trackMention(e.target.value, e.target.selectionStart ?? e.target.value.length);
            if (error) setError(null);
            if (e.target.value) workspace.typing(channel.id);
          }}
          onKeyDown={onKeyDown}
        />
        <button type="button" className="send-btn" aria-label="Send message" onClick={() => void send()} disabled={!text.trim()}>
          <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M3.4 20.4 21 12 3.4 3.6l-.01 6.53L15 12 3.39 13.87z" /></svg>
        </button>
      </div>
      <div className="composer-meta">
        {channel.slow_mode_s > 0 && <span>Slow mode: one message every {channel.slow_mode_s}s</span>}
        {connection !== 'connected' && <span>Connection lost — waiting to reconnect…</span>}
      </div>
    </div>
  );
}
