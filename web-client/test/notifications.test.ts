// Notification settings (issue 13): the badge rules (a muted channel is dimmed
// and shows no unread count but keeps its mention badge; level `mentions`
// counts only mentions and DMs toward the totals; level `none` shows only
// the channel's own bold state), the tab-title prefix, and the settings
// store's optimistic changes with rollback when the PATCH fails.
import { describe, expect, it, vi } from 'vitest';
import { channelMarks, titlePrefix, totals, type NotifyRules } from '../src/features/notifications/rules';
import { NotifySettingsStore } from '../src/features/notifications/store';
import type { Channel } from '../src/lib/realtime/types';
import type { MySettings } from '../src/workspace/api';

const chat = { id: '10', kind: 'chat' as const };
const other = { id: '11', kind: 'chat' as const };
const dm = { id: '20', kind: 'dm' as const };
const rules = (level: NotifyRules['level'], ...muted: string[]): NotifyRules => ({ level, muted: new Set(muted) });

describe('channel marks', () => {
  it('level all: bold, unread count and mention badge', () => {
    expect(channelMarks(chat, 5, 2, rules('all'))).toEqual({ bold: true, dimmed: false, unread: 5, mentions: 2 });
    expect(channelMarks(chat, 0, 0, rules('all'))).toEqual({ bold: false, dimmed: false, unread: 0, mentions: 0 });
  });

  it('a muted channel is dimmed, never bold, without unread count, but keeps its mention badge', () => {
    expect(channelMarks(chat, 5, 0, rules('all', '10'))).toEqual({ bold: false, dimmed: true, unread: 0, mentions: 0 });
    expect(channelMarks(chat, 5, 1, rules('all', '10'))).toEqual({ bold: false, dimmed: true, unread: 0, mentions: 1 });
    expect(channelMarks(chat, 5, 1, rules('mentions', '10')).mentions).toBe(1);
    // Muting one channel leaves the others alone.
    expect(channelMarks(other, 3, 0, rules('all', '10'))).toEqual({ bold: true, dimmed: false, unread: 3, mentions: 0 });
  });

  it('level mentions keeps the channel’s own unread state and its mention badge', () => {
    expect(channelMarks(chat, 5, 2, rules('mentions'))).toEqual({ bold: true, dimmed: false, unread: 5, mentions: 2 });
  });

  it('level none shows only the channel’s bold/unread state: no red badge, even for a mention or a DM', () => {
    expect(channelMarks(chat, 5, 2, rules('none'))).toEqual({ bold: true, dimmed: false, unread: 5, mentions: 0 });
    expect(channelMarks(dm, 3, 0, rules('none'))).toEqual({ bold: true, dimmed: false, unread: 3, mentions: 0 });
    expect(channelMarks(chat, 5, 2, rules('none', '10'))).toEqual({ bold: false, dimmed: true, unread: 0, mentions: 0 });
  });

  it('a DM’s unread messages show as a red badge (they are addressed to the member)', () => {
    expect(channelMarks(dm, 3, 0, rules('all'))).toEqual({ bold: true, dimmed: false, unread: 0, mentions: 3 });
    expect(channelMarks(dm, 3, 0, rules('mentions')).mentions).toBe(3);
    expect(channelMarks(dm, 3, 0, rules('all', '20'))).toEqual({ bold: false, dimmed: true, unread: 0, mentions: 3 });
  });

  it('the open channel shows nothing', () => {
    expect(channelMarks(chat, 5, 2, rules('all'), true)).toEqual({ bold: false, dimmed: false, unread: 0, mentions: 0 });
    expect(channelMarks(chat, 5, 2, rules('all', '10'), true).dimmed).toBe(true);
  });
});

describe('totals and the tab title', () => {
  const channels = [chat, other, dm];
  it('level all counts mentions (muted channels included) and other unread of unmuted channels', () => {
    const t = totals(channels, { '10': 4, '11': 2, '20': 1 }, { '10': 1 }, rules('all'));
    expect(t).toEqual({ mentions: 2, unread: true });
    expect(titlePrefix(t)).toBe('(2) ');
    expect(totals(channels, { '10': 4 }, { '10': 1 }, rules('all', '10'))).toEqual({ mentions: 1, unread: false });
    expect(titlePrefix(totals(channels, { '11': 2 }, {}, rules('all')))).toBe('• ');
  });

  it('unread messages of a muted channel count for nothing', () => {
    const t = totals(channels, { '11': 7 }, {}, rules('all', '11'));
    expect(t).toEqual({ mentions: 0, unread: false });
    expect(titlePrefix(t)).toBe('');
  });

  it('level mentions counts only mentions and DMs', () => {
    const t = totals(channels, { '10': 4, '11': 2, '20': 1 }, { '10': 1 }, rules('mentions'));
    expect(t).toEqual({ mentions: 2, unread: false });
    expect(titlePrefix(totals(channels, { '11': 9 }, {}, rules('mentions')))).toBe('');
  });

  it('level none counts nothing', () => {
    expect(totals(channels, { '10': 4, '20': 3 }, { '10': 4 }, rules('none'))).toEqual({ mentions: 0, unread: false });
  });

  it('the active channel can be left out, and large counts are capped', () => {
    expect(totals(channels, { '10': 4 }, { '10': 4 }, rules('all'), '10')).toEqual({ mentions: 0, unread: false });
    expect(titlePrefix({ mentions: 250, unread: true })).toBe('(99+) ');
  });
});

describe('settings store', () => {
  const channelList = [
    { id: '10', key: 'general-chat', name: 'general-chat', kind: 'chat' },
    { id: '11', key: 'welcome', name: 'welcome', kind: 'chat' },
  ] as Channel[];
  const server = (initial: Partial<MySettings> = {}) => {
    let cur: MySettings = { allow_partner_dms: true, notifications: 'all', muted_channels: [], ...initial };
    const patches: Partial<MySettings>[] = [];
    let fail: Error | null = null;
    let hold: Promise<void> | null = null;
    const api = {
      fetch: async () => ({ ...cur }),
      patch: async (p: Partial<MySettings>) => {
        patches.push(p);
        if (hold) await hold;
        if (fail) throw fail;
        cur = { ...cur, ...p };
        return { ...cur };
      },
    };
    return {
      api,
      patches,
      failWith: (e: Error | null) => (fail = e),
      holdUntil: (p: Promise<void> | null) => (hold = p),
    };
  };
  const make = (srv: ReturnType<typeof server>, channels = channelList) => {
    const notices: string[] = [];
    const store = new NotifySettingsStore({ channels: () => channels, notice: (t) => notices.push(t) }, srv.api);
    return { store, notices };
  };

  it('loads the server’s settings', async () => {
    const { store } = make(server({ notifications: 'mentions', muted_channels: ['11'] }));
    expect(store.getState().loaded).toBe(false);
    await store.load();
    expect(store.getState()).toMatchObject({ loaded: true, level: 'mentions' });
    expect([...store.getState().muted]).toEqual(['11']);
  });

  it('mutes at once and sends the whole list', async () => {
    const srv = server({ muted_channels: ['11'] });
    const { store, notices } = make(srv);
    await store.load();
    const seen = vi.fn();
    store.subscribe(() => seen([...store.getState().muted].sort()));
    const done = store.setMuted('10', true);
    // Optimistic: applied before the server answered.
    expect(seen).toHaveBeenCalledWith(['10', '11']);
    expect(await done).toBe(true);
    expect(srv.patches).toEqual([{ muted_channels: ['11', '10'] }]);
    expect(notices).toEqual([]);
  });

  it('a refused mute is rolled back with a message naming the channel', async () => {
    const srv = server();
    const { store, notices } = make(srv);
    await store.load();
    srv.failWith(new Error('Too many muted channels'));
    const done = store.setMuted('10', true);
    expect(store.getState().muted.has('10')).toBe(true);
    expect(await done).toBe(false);
    expect(store.getState().muted.has('10')).toBe(false);
    expect(notices).toEqual(['Could not mute #general-chat: Too many muted channels']);
  });

  it('a refused level change is rolled back', async () => {
    const srv = server();
    const { store, notices } = make(srv);
    await store.load();
    srv.failWith(new Error('offline'));
    const done = store.setLevel('none');
    expect(store.getState().level).toBe('none');
    expect(await done).toBe(false);
    expect(store.getState().level).toBe('all');
    expect(notices[0]).toMatch(/Could not set notifications to “Nothing”: offline/);
  });

  it('an older answer does not undo a newer choice', async () => {
    const srv = server();
    const { store } = make(srv);
    await store.load();
    let release!: () => void;
    srv.holdUntil(new Promise<void>((r) => (release = r)));
    const first = store.setLevel('mentions');
    srv.holdUntil(null);
    await store.setLevel('none');
    expect(store.getState().level).toBe('none');
    release();
    await first;
    expect(store.getState().level).toBe('none');
  });

  it('sends only channels the member can still read', async () => {
    const srv = server({ muted_channels: ['99'] });
    const { store } = make(srv);
    await store.load();
    await store.setMuted('11', true);
    expect(srv.patches).toEqual([{ muted_channels: ['11'] }]);
  });

  it('reset forgets the settings (logout)', async () => {
    const { store } = make(server({ notifications: 'none', muted_channels: ['10'] }));
    await store.load();
    store.reset();
    expect(store.getState()).toMatchObject({ loaded: false, level: 'all' });
    expect(store.getState().muted.size).toBe(0);
  });
});
