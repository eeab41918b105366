//! Channel navigation: categories in registry order, channels by position,
//! a distinct icon per kind and unread badges. Only channels from READY are
//! listed, so channels the user may not read never appear.
import { ChannelKindIcon } from '../../components/Icons';
import type { Channel } from '../../lib/realtime/types';
import { useWorkspace } from '../../workspace/store';

export function channelHref(key: string): string {
  return `/channels/${encodeURIComponent(key)}`;
}

export function ChannelSidebar({ onNavigate }: { onNavigate: (key: string) => void }) {
  const categories = useWorkspace((s) => s.categories);
  const channels = useWorkspace((s) => s.channels);
  const unread = useWorkspace((s) => s.unread);
  const activeId = useWorkspace((s) => s.activeChannelId);

  const byCategory = new Map<string, Channel[]>();
  for (const c of channels) {
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
            {g.name}
          </h2>
          <ul>
            {g.channels.map((c) => {
              const n = unread[c.id] ?? 0;
              const active = c.id === activeId;
              return (
                <li key={c.id}>
                  <a
                    href={channelHref(c.key)}
                    aria-label={c.key}
                    aria-current={active ? 'page' : undefined}
                    className={`channel-link${active ? ' active' : ''}${n > 0 && !active ? ' unread' : ''}`}
                    onClick={(e) => {
                      if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                      e.preventDefault();
                      onNavigate(c.key);
                    }}
                  >
                    <ChannelKindIcon kind={c.kind} size={18} className="channel-icon" />
                    <span className="channel-name">{c.name || c.key}</span>
                    {c.locked && <span className="sr-only"> (locked)</span>}
                    {n > 0 && !active && (
                      <span className="badge" title={`${n} unread`} data-testid="unread-badge">
                        {n > 99 ? '99+' : n}
                      </span>
                    )}
                  </a>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </nav>
  );
}
