// Unit tests of the pure parts of the issue 12/13 screens: mention parsing,
// the @-autocomplete, search highlight splitting (never HTML), timeout
// countdowns, and who may moderate whom.
import { describe, expect, it } from 'vitest';
import { formatCountdown, TIMEOUT_CHOICES } from '../src/lib/countdown';
import { splitHighlight, unescapeHtml } from '../src/lib/highlight';
import { activeMention, filterMembers, insertMention, splitMentions } from '../src/lib/mentions';
import { canModerate } from '../src/lib/ranks';
import type { User } from '../src/lib/realtime/types';

const u = (id: string, display_name: string, role: User['role'] = 'partner'): User => ({ id, display_name, role });

describe('mentions', () => {
  it('splits <@id> and <@!id> out of text, leaving other angle brackets alone', () => {
    expect(splitMentions('hi <@12> and <@!345>, see <@x> <b>')).toEqual([
      { text: 'hi ' },
      { mention: '12' },
      { text: ' and ' },
      { mention: '345' },
      { text: ', see <@x> <b>' },
    ]);
    expect(splitMentions('<@7>')).toEqual([{ mention: '7' }]);
    expect(splitMentions('')).toEqual([]);
  });

  it('finds the @word at the caret only at a word start', () => {
    expect(activeMention('hello @be', 9)).toEqual({ start: 6, query: 'be' });
    expect(activeMention('@', 1)).toEqual({ start: 0, query: '' });
    expect(activeMention('mail a@b.c', 10)).toBeNull();
    expect(activeMention('hello @ben carter', 17)).toBeNull();
    // The caret decides, not the end of the text.
    expect(activeMention('@an and more', 3)).toEqual({ start: 0, query: 'an' });
  });

  it('ranks prefix matches first, then word starts, then substrings; leaves out bots and oneself', () => {
    const people = [u('1', 'Ana Ortiz'), u('2', 'Ben Carter'), u('3', 'Carla Bene'), u('4', 'Deal Bot', 'bot'), u('5', 'Obenna Ray')];
    expect(filterMembers(people, 'ben').map((m) => m.display_name)).toEqual(['Ben Carter', 'Carla Bene', 'Obenna Ray']);
    expect(filterMembers(people, '', '1').map((m) => m.id)).toEqual(['2', '3', '5']);
    expect(filterMembers(people, 'BOT')).toEqual([]);
    expect(filterMembers(people, 'a', undefined, 2)).toHaveLength(2);
  });

  it('inserts the token in place of the @query and puts the caret after it', () => {
    const text = 'hey @be how are you';
    const at = activeMention(text, 7)!;
    expect(insertMention(text, at, 7, '42')).toEqual({ text: 'hey <@42>  how are you', caret: 10 });
  });
});

describe('search highlights', () => {
  it('splits on <mark> and </mark> and unescapes the server escaping once', () => {
    expect(splitHighlight('the <mark>Globex</mark> demo &amp; <mark>launch</mark>')).toEqual([
      { text: 'the ', mark: false },
      { text: 'Globex', mark: true },
      { text: ' demo & ', mark: false },
      { text: 'launch', mark: true },
    ]);
    expect(unescapeHtml('&amp;lt;b&amp;gt;')).toBe('&lt;b&gt;');
  });

  it('keeps anything tag-like as text: a message containing <script> is escaped by the server and shown literally', () => {
    const runs = splitHighlight('&lt;script&gt;alert(1)&lt;/script&gt; <mark>hi</mark> &lt;mark&gt;');
    expect(runs).toEqual([
      { text: '<script>alert(1)</script> ', mark: false },
      { text: 'hi', mark: true },
      { text: ' <mark>', mark: false },
    ]);
  });
});

describe('timeouts', () => {
  it('formats countdowns as m:ss, h:mm:ss, then days and hours', () => {
    expect(formatCountdown(59_001)).toBe('1:00');
    expect(formatCountdown(5 * 60_000)).toBe('5:00');
    expect(formatCountdown(61 * 60_000 + 2_000)).toBe('1:01:02');
    expect(formatCountdown(7 * 86_400_000)).toBe('7d 0h');
    expect(formatCountdown(-5)).toBe('0:00');
  });

  it('offers Discord’s lengths in whole minutes, as moderation.timeout takes them', () => {
    expect(TIMEOUT_CHOICES.map((c) => c.minutes)).toEqual([1, 5, 10, 60, 1440, 10080]);
  });

  it('lets staff moderate partners and bots, admins also staff; never oneself, never partners', () => {
    const staff = u('1', 'S', 'staff');
    const admin = u('2', 'A', 'admin');
    const partner = u('3', 'P');
    expect(canModerate(staff, partner)).toBe(true);
    expect(canModerate(staff, u('4', 'B', 'bot'))).toBe(true);
    expect(canModerate(staff, admin)).toBe(false);
    expect(canModerate(staff, u('5', 'S2', 'staff'))).toBe(false);
    expect(canModerate(admin, staff)).toBe(true);
    expect(canModerate(admin, admin)).toBe(false);
    expect(canModerate(partner, u('6', 'P2'))).toBe(false);
    expect(canModerate(undefined, partner)).toBe(false);
  });
});
