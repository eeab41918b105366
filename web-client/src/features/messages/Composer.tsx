//! The composer: a textarea labelled "Message #<key>". Enter sends,
//! Shift+Enter inserts a newline; request errors (slow_mode, rate_limited,
//! forbidden …) are shown inline. Where the user cannot post, a read-only
//! notice replaces it.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { CloseIcon, LockIcon } from '../../components/Icons';
import type { Channel, Message } from '../../lib/realtime/types';
import { useWorkspace, workspace } from '../../workspace/store';

/** Matches the server's message size limit closely enough to warn early. */
const MAX_LEN = 4000;

function describe(code: string, message: string, retryAfterMs?: number): string {
  const secs = retryAfterMs ? Math.ceil(retryAfterMs / 1000) : undefined;
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

  useEffect(() => {
    setText('');
    setError(null);
  }, [channel.id]);
  useEffect(() => {
    if (replyTo) ref.current?.focus();
  }, [replyTo]);

  if (mutedUntil && mutedUntil > Date.now()) {
    return (
      <div className="composer-readonly" role="note">
        <LockIcon />
        <span>You are timed out until {new Date(mutedUntil).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}.</span>
      </div>
    );
  }
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
      setError(describe(err.code, err.message, err.retryAfterMs));
      if (err.code !== 'disconnected' && err.code !== 'timeout') setText((cur) => cur || content);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
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
      <div className="composer-box">
        <textarea
          ref={ref}
          aria-label={`Message #${channel.key}`}
          placeholder={`Message #${channel.name || channel.key}`}
          value={text}
          rows={rows}
          onChange={(e) => {
            setText(e.target.value);
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
