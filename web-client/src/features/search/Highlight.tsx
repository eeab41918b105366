//! A search hit's highlight as React text with <mark> runs: the server's
//! HTML is split on `<mark>`/`</mark>` only and never parsed (lib/highlight.ts).
import { splitHighlight } from '../../lib/highlight';
import { splitMentions } from '../../lib/mentions';
import type { User } from '../../lib/realtime/types';

/** Mentions in a run read as @Name (the highlight keeps `<@id>` as text). */
function withNames(text: string, members: Record<string, User>): string {
  return splitMentions(text)
    .map((s) => ('mention' in s ? `@${members[s.mention]?.display_name ?? 'unknown member'}` : s.text))
    .join('');
}

export function Highlight({ html, members }: { html: string; members: Record<string, User> }) {
  return (
    <>
      {splitHighlight(html).map((r, i) => (r.mark ? <mark key={i}>{withNames(r.text, members)}</mark> : <span key={i}>{withNames(r.text, members)}</span>))}
    </>
  );
}
