// Pages cut short by the server's reply byte budget (issue 12 item 1): the
// client pages on `has_more`, never on a page being shorter than its limit.
import { describe, expect, it } from 'vitest';
import { ChannelLog } from '../src/lib/realtime/channelLog';
import { HISTORY_PAGE, hasMore } from '../src/workspace/state';
import type { Message } from '../src/lib/realtime/types';

const HEAD = 30;
const log = Array.from({ length: HEAD }, (_, i) => ({
  t: 'MESSAGE_CREATE',
  d: { id: String(100 + i), channel_id: 'c', channel_seq: i + 1, content: 'x'.repeat(4000) },
}));

describe('pages cut by the byte budget', () => {
  it('a backfill keeps asking while has_more, even after a short page', async () => {
    const asked: number[] = [];
    const fetch = async (_channel: string, after: number) => {
      asked.push(after);
      // Seven long events fit a page; far fewer than the 1,000 asked for.
      const events = log.filter((e) => e.d.channel_seq > after).slice(0, 7);
      const last = events.at(-1)?.d.channel_seq ?? after;
      return { events, last_seq: HEAD, has_more: last < HEAD };
    };
    const delivered: number[] = [];
    const cl = new ChannelLog(fetch, (ev) => delivered.push((ev.d as { channel_seq: number }).channel_seq));
    cl.setCursor('c', 0);
    await cl.backfill('c');
    expect(delivered).toEqual(Array.from({ length: HEAD }, (_, i) => i + 1));
    expect(asked).toEqual([0, 7, 14, 21, 28]);
  });

  it('history has more by has_more; without it (older servers) by a full page', () => {
    const some = [{ id: '1' } as Message];
    expect(hasMore(some, true)).toBe(true);
    expect(hasMore(some, false)).toBe(false);
    expect(hasMore(some, undefined)).toBe(false);
    expect(hasMore(Array.from({ length: HISTORY_PAGE }, (_, i) => ({ id: String(i) }) as Message), undefined)).toBe(true);
  });
});
