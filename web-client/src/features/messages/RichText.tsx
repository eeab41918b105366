//! Message text: always rendered as React text nodes (never HTML), with
//! http(s) URLs turned into links that open in a new tab and `<@id>`
//! mentions as @Name pills (the signed-in member's own highlighted).
import { splitMentions } from '../../lib/mentions';
import { useWorkspace } from '../../workspace/store';

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

export type Segment = { text: string; href?: string };

/** Splits text into plain and link segments (exported for tests). */
export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0];
    const trail = TRAILING.exec(url)?.[0] ?? '';
    // Keep a closing paren that balances one inside the URL.
    if (trail) url = url.slice(0, url.length - trail.length);
    const start = m.index ?? 0;
    if (start > last) out.push({ text: text.slice(last, start) });
    out.push({ text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

function Links({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((s, i) =>
        s.href ? (
          <a key={i} href={s.href} target="_blank" rel="noopener noreferrer nofollow">
            {s.text}
          </a>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </>
  );
}

export function RichText({ text }: { text: string }) {
  const members = useWorkspace((s) => s.members);
  const meId = useWorkspace((s) => s.me?.id);
  return (
    <>
      {splitMentions(text).map((seg, i) =>
        'mention' in seg ? (
          <span key={i} className={`mention${seg.mention === meId ? ' me' : ''}`} data-user-id={seg.mention}>
            @{members[seg.mention]?.display_name ?? 'unknown member'}
          </span>
        ) : (
          <Links key={i} text={seg.text} />
        ),
      )}
    </>
  );
}
