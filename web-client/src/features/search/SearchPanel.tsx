//! Search results in a side panel (gateway `search`, newest first): channel,
//! author, time and the highlighted text of each hit; filters by channel and
//! author; "Load more" pages on with `before` while `has_more`. Clicking a
//! hit opens its channel and jumps to the message.
import { useEffect, useState } from 'react';
import { CloseIcon } from '../../components/Icons';
import type { Channel } from '../../lib/realtime/types';
import { useWorkspace, workspace, type SearchHit } from '../../workspace/store';
import { Highlight } from './Highlight';

const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function channelLabel(c: Channel | undefined): string {
  if (!c) return 'unknown channel';
  return c.kind === 'dm' ? `@${c.name}` : `#${c.name || c.key}`;
}

export function SearchPanel({ query, onOpen, onClose }: { query: string; onOpen: (channel: Channel, messageId: string) => void; onClose: () => void }) {
  const channels = useWorkspace((s) => s.channels);
  const members = useWorkspace((s) => s.members);
  const [channelId, setChannelId] = useState('');
  const [authorId, setAuthorId] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(before?: string) {
    setBusy(true);
    setError(null);
    try {
      const r = await workspace.search({
        query,
        ...(channelId ? { channel_id: channelId } : {}),
        ...(authorId ? { author_id: authorId } : {}),
        ...(before ? { before } : {}),
      });
      setHits((cur) => (before ? [...(cur ?? []), ...r.hits] : r.hits));
      setHasMore(!!r.has_more);
    } catch (e) {
      setError((e as Error).message);
      if (!before) setHits([]);
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    setHits(null);
    void run();
  }, [query, channelId, authorId]); // eslint-disable-line react-hooks/exhaustive-deps

  const searchable = channels.filter((c) => c.kind !== 'panel');
  const people = Object.values(members)
    .filter((u) => u.role !== 'bot')
    .sort((a, b) => a.display_name.localeCompare(b.display_name));

  return (
    <aside className="side-panel" aria-label="Search results">
      <header className="side-panel-header">
        <h2>Results for “{query}”</h2>
        <button type="button" className="icon-btn" aria-label="Close search" onClick={onClose}>
          <CloseIcon />
        </button>
      </header>
      <div className="search-filters">
        <label>
          <span className="sr-only">In channel</span>
          <select aria-label="In channel" value={channelId} onChange={(e) => setChannelId(e.target.value)}>
            <option value="">All channels</option>
            {searchable.map((c) => (
              <option key={c.id} value={c.id}>
                {channelLabel(c)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="sr-only">From</span>
          <select aria-label="From" value={authorId} onChange={(e) => setAuthorId(e.target.value)}>
            <option value="">From anyone</option>
            {people.map((u) => (
              <option key={u.id} value={u.id}>
                {u.display_name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p className="form-error side-panel-pad" role="alert">
          {error}
        </p>
      )}
      {hits === null && <p className="muted side-panel-pad">Searching…</p>}
      {hits?.length === 0 && !error && <p className="muted side-panel-pad">No messages match.</p>}
      {hits && hits.length > 0 && (
        <ol className="search-hits" aria-label="Search hits">
          {hits.map((h) => {
            const ch = channels.find((c) => c.id === h.message.channel_id);
            return (
              <li key={h.message.id}>
                <button type="button" className="search-hit" disabled={!ch} onClick={() => ch && onOpen(ch, h.message.id)}>
                  <span className="search-hit-meta">
                    <span className="search-hit-channel">{channelLabel(ch)}</span>
                    <span className="search-hit-author">{h.message.author.display_name}</span>
                    <time dateTime={h.message.created_at}>{timeFmt.format(new Date(h.message.created_at))}</time>
                  </span>
                  <span className="search-hit-text">
                    <Highlight html={h.highlight} members={members} />
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
      {hasMore && hits && hits.length > 0 && (
        <button type="button" className="btn-secondary load-more" disabled={busy} onClick={() => void run(hits[hits.length - 1].message.id)}>
          Load more
        </button>
      )}
    </aside>
  );
}
