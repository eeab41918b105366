//! The "Direct messages" section of the sidebar: the member's DM channels
//! (READY and CHANNEL_CREATE channels of kind `dm`, each named after the
//! other member), newest activity first, with unread and mention badges
//! under the member's notification settings (features/notifications/rules.ts).
import { Avatar } from '../../components/Avatar';
import { UnreadBadges } from '../../components/Badges';
import type { Channel } from '../../lib/realtime/types';
import { compareIds } from '../../workspace/ids';
import { useWorkspace } from '../../workspace/store';
import { channelMarks } from '../notifications/rules';
import { useChannelMenu } from '../notifications/ChannelMenu';
import { useNotifySettings } from '../notifications/store';

/** DM channels, the one with the newest message first (never-used ones last, by name). */
export function sortDms(channels: Channel[]): Channel[] {
  return channels
    .filter((c) => c.kind === 'dm')
    .sort((a, b) => {
      const x = a.last_message_id ?? '';
      const y = b.last_message_id ?? '';
      if (x !== y) return x && y ? compareIds(y, x) : x ? -1 : 1;
      return a.name.localeCompare(b.name);
    });
}

/** The other member of a DM channel: the key is `dm:{low id}:{high id}`. */
export function dmPeer(channel: Channel, meId: string | undefined): string | undefined {
  const parts = channel.key.split(':');
  if (parts.length !== 3) return undefined;
  return parts[1] === meId ? parts[2] : parts[1];
}

export function DmList({ hrefOf, onNavigate }: { hrefOf: (key: string) => string; onNavigate: (key: string) => void }) {
  const channels = useWorkspace((s) => s.channels);
  const unread = useWorkspace((s) => s.unread);
  const mentions = useWorkspace((s) => s.mentions);
  const activeId = useWorkspace((s) => s.activeChannelId);
  const meId = useWorkspace((s) => s.me?.id);
  const presences = useWorkspace((s) => s.presences);
  const rules = useNotifySettings();
  const { onContextMenu, menu } = useChannelMenu();
  const dms = sortDms(channels);
  return (
    <section className="channel-group dm-group" aria-labelledby="cat-dms">
      <h2 id="cat-dms" className="category-name dm-heading">
        Direct messages
      </h2>
      {dms.length === 0 ? (
        <p className="dm-empty">Use “Message” on a member to start one.</p>
      ) : (
        <ul>
          {dms.map((c) => {
            const active = c.id === activeId;
            const marks = channelMarks(c, unread[c.id] ?? 0, mentions[c.id] ?? 0, rules, active);
            const peer = dmPeer(c, meId);
            return (
              <li key={c.id}>
                <a
                  href={hrefOf(c.key)}
                  aria-label={`DM ${c.name}`}
                  aria-current={active ? 'page' : undefined}
                  className={`channel-link dm-link${active ? ' active' : ''}${marks.bold ? ' unread' : ''}${marks.dimmed ? ' muted-channel' : ''}`}
                  onContextMenu={(e) => onContextMenu(e, c)}
                  onClick={(e) => {
                    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                    e.preventDefault();
                    onNavigate(c.key);
                  }}
                >
                  <Avatar id={peer ?? c.id} name={c.name} size={24} status={peer ? (presences[peer]?.status ?? 'offline') : undefined} />
                  <span className="channel-name">{c.name}</span>
                  {/* Every DM message is addressed to you: its unread count shows red, as Discord does (rules.ts). */}
                  {marks.dimmed && <span className="sr-only"> (muted)</span>}
                  <UnreadBadges unread={marks.unread} mentions={marks.mentions} />
                </a>
              </li>
            );
          })}
        </ul>
      )}
      {menu}
    </section>
  );
}
