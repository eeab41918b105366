//! Staff-only channel controls in the header: slow mode and lock
//! (`channel.update`). The change comes back as CHANNEL_UPDATE for everyone.
import { useEffect, useRef, useState } from 'react';
import type { Channel } from '../../lib/realtime/types';
import { workspace } from '../../workspace/store';

const SLOW_MODES = [0, 5, 10, 30, 60, 300];

export function ChannelSettings({ channel }: { channel: Channel }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  return (
    <div className="channel-settings" ref={ref}>
      <button type="button" className="icon-btn" aria-label="Channel settings" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
          <circle cx="12" cy="12" r="3" />
          <path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1Z" />
        </svg>
      </button>
      {open && (
        <div className="settings-pop" role="dialog" aria-label={`Settings for #${channel.key}`}>
          <label>
            Slow mode
            <select aria-label="Slow mode" value={channel.slow_mode_s} onChange={(e) => void workspace.updateChannel(channel.id, { slow_mode_s: Number(e.target.value) })}>
              {SLOW_MODES.map((s) => (
                <option key={s} value={s}>
                  {s === 0 ? 'Off' : s < 60 ? `${s} seconds` : `${s / 60} minute${s > 60 ? 's' : ''}`}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={channel.locked} onChange={(e) => void workspace.updateChannel(channel.id, { locked: e.target.checked })} />
            Lock channel (only staff can post)
          </label>
        </div>
      )}
    </div>
  );
}
