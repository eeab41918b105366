//! The channel header's "Mute Channel" toggle (Discord's bell): a muted
//! channel is dimmed in the sidebar and shows no unread count; mentions in it
//! still badge. The change applies at once and is undone with a toast if the
//! server refuses it (see store.ts). Hidden below 768 px, where the header
//! has no room: there a long press on the channel in the drawer opens the
//! channel menu (ChannelMenu.tsx).
import type { Channel } from '../../lib/realtime/types';
import { notifySettings, useNotifySettings } from './store';
import './notifications.css';

export function MuteButton({ channel }: { channel: Channel }) {
  const muted = useNotifySettings().muted.has(channel.id);
  const label = muted ? 'Unmute channel' : 'Mute channel';
  return (
    <button type="button" className={`icon-btn mute-toggle${muted ? ' muted-on' : ''}`} aria-label={label} title={label} aria-pressed={muted} onClick={() => void notifySettings.setMuted(channel.id, !muted)}>
      <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0" />
        {muted && <path d="M3 3l18 18" />}
      </svg>
    </button>
  );
}
