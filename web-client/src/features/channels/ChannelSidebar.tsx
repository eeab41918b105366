//! Channel navigation: categories in registry order, channels by position,
//! a distinct icon per kind, unread badges and red mention badges. Only
//! channels from READY are listed, so channels the user may not read never
//! appear. Direct messages are listed by the DM section, not here. Badges
//! follow the member's notification settings (features/notifications/rules.ts).
import { useState } from 'react';
import { UnreadBadges } from '../../components/Badges';
import { ChannelKindIcon } from '../../components/Icons';
import type { Channel } from '../../lib/realtime/types';
import { useWorkspace } from '../../workspace/store';
import { channelMarks } from '../notifications/rules';
import { useChannelMenu } from '../notifications/ChannelMenu';
import { useNotifySettings } from '../notifications/store';

export function channelHref(key: string): string {
  return `/channels/${encodeURIComponent(key)}`;
}

const COLLAPSED_KEY = 'arena.collapsed';

function loadCollapsed(): Set<string> {
  try {
    return new Set(JSON.parse(localStorage.getItem(COLLAPSED_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

export function ChannelSidebar({ onNavigate }: { onNavigate: (key: string) => void }) {
  const [collapsed, setCollapsed] = useState(loadCollapsed);
  const toggle = (key: string) =>
    setCollapsed((cur) => {
      const next = new Set(cur);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      localStorage.setItem(COLLAPSED_KEY, JSON.stringify([...next]));
      return next;
    });
  const categories = useWorkspace((s) => s.categories);
  const channels = useWorkspace((s) => s.channels);
  const unread = useWorkspace((s) => s.unread);
  const mentions = useWorkspace((s) => s.mentions);
  const activeId = useWorkspace((s) => s.activeChannelId);
  const rules = useNotifySettings();
  const { onContextMenu, menu } = useChannelMenu();

  const byCategory = new Map<string, Channel[]>();
  for (const c of channels) {
    if (c.kind === 'dm') continue;
    const list = byCategory.get(c.category) ?? [];
    list.push(c);
    byCategory.set(c.category, list);
  }
  const known = new Set(categories.map((c) => c.key));
  const groups = [
    ...categories.map((cat) => ({ key: cat.key, name: cat.name, channels: byCategory.get(cat.key) ?? [] })),
    ...[...byCategory.keys()].filter((k) => !known.has(k)).map((k) => ({ key: k, name: k, channels: byCategory.get(k)! })),
  ].filter((g) => g.channels.length > 0);

  return (
    <nav className="channel-nav" aria-label="Channels">
      {groups.map((g) => (
        <section key={g.key} className="channel-group" aria-labelledby={`cat-${g.key}`}>
          <h2 id={`cat-${g.key}`} className="category-name">
            <button type="button" className="category-toggle" aria-expanded={!collapsed.has(g.key)} onClick={() => toggle(g.key)}>
              <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" className="chevron">
                <path fill="currentColor" d="M7 9l5 6 5-6z" />
              </svg>
              {g.name}
            </button>
          </h2>
          <ul>
            {g.channels.map((c) => {
              const active = c.id === activeId;
              const marks = channelMarks(c, unread[c.id] ?? 0, mentions[c.id] ?? 0, rules, active);
              // A collapsed category still shows the open channel and channels with unread messages (muted ones only with a mention).
              if (collapsed.has(g.key) && !active && !marks.bold && marks.mentions === 0) return null;
              return (
                <li key={c.id}>
                  <a
                    href={channelHref(c.key)}
                    aria-label={c.key}
                    aria-current={active ? 'page' : undefined}
                    className={`channel-link${active ? ' active' : ''}${marks.bold ? ' unread' : ''}${marks.dimmed ? ' muted-channel' : ''}`}
                    onContextMenu={(e) => onContextMenu(e, c)}
                    onClick={(e) => {
                      if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                      e.preventDefault();
                      onNavigate(c.key);
                    }}
                  >
                    <ChannelKindIcon kind={c.kind} size={18} className="channel-icon" />
                    <span className="channel-name">{c.name || c.key}</span>
                    {c.locked && <span className="sr-only"> (locked)</span>}
                    {marks.dimmed && <span className="sr-only"> (muted)</span>}
                    <UnreadBadges unread={marks.unread} mentions={marks.mentions} />
                  </a>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
      {menu}
    </nav>
  );
}
