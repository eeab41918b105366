//! Mentions as Discord writes them: `<@id>` (or `<@!id>`) in message text
//! (docs/protocol.md "Mentions"). Pure helpers for rendering them as @Name
//! pills and for the composer's @-autocomplete.
import type { Id, User } from './realtime/types';

/** `<@123>` or `<@!123>`; the id is decimal digits (a snowflake). */
const MENTION_RE = /<@!?(\d{1,20})>/g;

/** A run of message text: plain, or a mention of a member id. */
export type MentionSegment = { text: string } | { mention: Id };

/** Splits text into plain runs and mentions, in order. */
export function splitMentions(text: string): MentionSegment[] {
  const out: MentionSegment[] = [];
  let last = 0;
  for (const m of text.matchAll(MENTION_RE)) {
    const start = m.index ?? 0;
    if (start > last) out.push({ text: text.slice(last, start) });
    out.push({ mention: m[1] });
    last = start + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/** The wire form of a mention of `id`. */
export function mentionToken(id: Id): string {
  return `<@${id}>`;
}

/** An `@query` being typed: where the `@` is and what follows it up to the caret. */
export interface ActiveMention {
  /** Index of the `@` in the text. */
  start: number;
  query: string;
}

/**
 * The `@word` the caret is in, if any: an `@` at the start or after
 * whitespace, followed by up to 32 characters without whitespace or `<>@`.
 */
export function activeMention(text: string, caret: number): ActiveMention | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)@([^\s<>@]{0,32})$/.exec(before);
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}

/**
 * Members matching `query` for the autocomplete: names starting with it
 * first, then names with a word starting with it, then names containing it
 * (case-insensitive); bots and `excludeId` (oneself) left out; at most `limit`.
 */
export function filterMembers(members: User[], query: string, excludeId?: Id, limit = 8): User[] {
  const q = query.trim().toLowerCase();
  const scored: { u: User; score: number }[] = [];
  for (const u of members) {
    if (u.id === excludeId || u.role === 'bot') continue;
    const name = u.display_name.toLowerCase();
    let score = -1;
    if (!q || name.startsWith(q)) score = 0;
    else if (name.split(/\s+/).some((w) => w.startsWith(q))) score = 1;
    else if (name.includes(q)) score = 2;
    if (score >= 0) scored.push({ u, score });
  }
  scored.sort((a, b) => a.score - b.score || a.u.display_name.localeCompare(b.u.display_name));
  return scored.slice(0, limit).map((s) => s.u);
}

/** Replaces the active `@query` with the member's token plus a space; answers the new text and caret. */
export function insertMention(text: string, at: ActiveMention, caret: number, id: Id): { text: string; caret: number } {
  const token = `${mentionToken(id)} `;
  const next = text.slice(0, at.start) + token + text.slice(caret);
  return { text: next, caret: at.start + token.length };
}
