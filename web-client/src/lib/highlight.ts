//! Search highlights: the server sends message text HTML-escaped with the
//! matched words in `<mark>…</mark>` (docs/protocol.md "search"). This turns
//! it into plain runs and marked runs to render as React text, so nothing of
//! it is ever parsed as HTML.

export interface HighlightRun {
  text: string;
  mark: boolean;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/** Undoes the server's HTML escaping (`&`, `<`, `>` in store/search.rs), in one pass so `&amp;lt;` stays `&lt;`. */
export function unescapeHtml(s: string): string {
  return s.replace(/&(?:amp|lt|gt);/g, (e) => ENTITIES[e] ?? e);
}

/**
 * Splits a highlight on the two tags `<mark>` and `</mark>` only; any other
 * `<`… in it is text (the server escaped real text, so it cannot be a tag).
 */
export function splitHighlight(highlight: string): HighlightRun[] {
  const out: HighlightRun[] = [];
  let mark = false;
  for (const part of highlight.split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>') mark = true;
    else if (part === '</mark>') mark = false;
    else if (part) out.push({ text: unescapeHtml(part), mark });
  }
  return out;
}
