// Unit tests for the pure rendering helpers: linkify (text stays text),
// money formatting for deal_win cards, and panel link sanitising.
import { describe, expect, it } from 'vitest';
import { linkify } from '../src/features/messages/RichText';
import { formatMinor } from '../src/lib/money';
import { safeHref } from '../src/features/panels/PanelView';
import { typingText } from '../src/features/messages/TypingIndicator';
import { compareIds } from '../src/workspace/ids';

describe('linkify', () => {
  it('keeps HTML as plain text segments', () => {
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ text: '<img src=x onerror=alert(1)>' }]);
  });
  it('links http(s) URLs and drops trailing punctuation', () => {
    expect(linkify('see https://example.com/a?b=1. ok')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: '. ok' },
    ]);
  });
  it('never links javascript: URLs', () => {
    expect(linkify('javascript:alert(1)').every((s) => !s.href)).toBe(true);
  });
});

describe('formatMinor', () => {
  it('uses the currency minor unit', () => {
    expect(formatMinor(305000, 'USD')).toMatch(/3,050\.00/);
    expect(formatMinor(1500, 'JPY')).toMatch(/1,500/);
  });
});

describe('safeHref', () => {
  it('allows http(s) and same-origin paths only', () => {
    expect(safeHref('https://example.com/x')).toBe('https://example.com/x');
    expect(safeHref('/channels/general-chat')).toBe('/channels/general-chat');
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('//evil.example')).toBeUndefined();
    expect(safeHref(42)).toBeUndefined();
  });
});

describe('misc', () => {
  it('typing text', () => {
    expect(typingText(['Ben'])).toBe('Ben is typing…');
    expect(typingText(['Ben', 'Ana'])).toBe('Ben and Ana are typing…');
    expect(typingText(['a', 'b', 'c'])).toBe('Several people are typing…');
  });
  it('orders snowflake strings numerically', () => {
    expect(compareIds('9', '10')).toBeLessThan(0);
    expect(compareIds('123456789012345679', '123456789012345678')).toBeGreaterThan(0);
  });
});
