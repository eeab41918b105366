//! The sidebar's channel context menu (right-click, or the context-menu key /
//! Shift+F10 on a focused channel), as Discord offers "Mute Channel" there:
//! mute or unmute without opening the channel, so its unread marker goes at
//! once. Closed by choosing, Escape or a click elsewhere.
import { useEffect, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import type { Channel } from '../../lib/realtime/types';
import { notifySettings, useNotifySettings } from './store';
import './notifications.css';

interface Open {
  channel: Channel;
  x: number;
  y: number;
}

function ChannelMenu({ open, onClose }: { open: Open; onClose: () => void }) {
  const muted = useNotifySettings().muted.has(open.channel.id);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    const outside = (e: globalThis.MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    const key = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('mousedown', outside);
    window.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('mousedown', outside);
      window.removeEventListener('keydown', key);
    };
  }, [onClose]);
  const name = open.channel.kind === 'dm' ? `@${open.channel.name}` : `#${open.channel.key}`;
  // Kept inside the window: the menu is at most ~200 × 60 px.
  const left = Math.max(4, Math.min(open.x, window.innerWidth - 208));
  const top = Math.max(4, Math.min(open.y, window.innerHeight - 64));
  return (
    <div ref={ref} className="channel-menu" role="menu" aria-label={`${name} options`} style={{ left, top }}>
      <button
        type="button"
        role="menuitem"
        onClick={() => {
          onClose();
          void notifySettings.setMuted(open.channel.id, !muted);
        }}
      >
        {muted ? 'Unmute channel' : 'Mute channel'}
      </button>
    </div>
  );
}

/** `onContextMenu(e, channel)` for each channel link, and the menu to render once beside them. */
export function useChannelMenu(): { onContextMenu: (e: MouseEvent, channel: Channel) => void; menu: ReactNode } {
  const [open, setOpen] = useState<Open | null>(null);
  const close = useRef(() => setOpen(null)).current;
  return {
    onContextMenu: (e, channel) => {
      e.preventDefault();
      const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
      // A keyboard-opened menu (no pointer position) sits under the link.
      const keyboard = e.clientX === 0 && e.clientY === 0;
      setOpen({ channel, x: keyboard ? r.left + 16 : e.clientX, y: keyboard ? r.bottom : e.clientY });
    },
    menu: open ? <ChannelMenu open={open} onClose={close} /> : null,
  };
}
