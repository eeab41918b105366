// The workspace store's handling of issue 12/13 state: mention counts (READY
// `mention_count`, live MESSAGE_CREATE `mentions`, cleared on opening), the
// member's own timeout (READY, MEMBER_UPDATE with and without a reason, a
// lift, the lift at its end, a refusal), DM channels arriving live, and the
// kicked state (close 4014).
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DispatchEvent, Message, Ready } from '../src/lib/realtime/types';

beforeAll(() => {
  const mem = new Map<string, string>();
  const storage = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v), removeItem: (k: string) => void mem.delete(k) };
  vi.stubGlobal('sessionStorage', storage);
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('document', { visibilityState: 'visible', addEventListener() {}, removeEventListener() {} });
  vi.stubGlobal('location', { protocol: 'http:', host: 'localhost' });
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => vi.useRealTimers());

const me = { id: '1', display_name: 'Ana Ortiz', role: 'partner' as const };
const ben = { id: '2', display_name: 'Ben Carter', role: 'partner' as const };
const chan = (id: string, key: string, kind: 'chat' | 'dm' = 'chat') => ({
  id, key, name: key, category: kind === 'dm' ? 'dm' : 'c', kind, position: Number(id), can_post: true, slow_mode_s: 0, locked: false, last_seq: 0,
});
const baseReady: Ready = {
  session_id: 's', user: me, tenant: { id: 't', slug: 'demo', name: 'Demo' }, categories: [{ key: 'c', name: 'C', position: 0 }],
  channels: [chan('10', 'general-chat'), chan('11', 'welcome')], presences: [], node_id: 'n',
  read_states: [{ channel_id: '11', last_read_id: null, unread: 4, mention_count: 2 }],
};
const msg = (id: string, extra: Partial<Message> = {}): Message => ({
  id, channel_id: '10', channel_seq: Number(id), author: ben, content: `m${id}`, created_at: new Date().toISOString(), pinned: false, reactions: [], ...extra,
});

async function freshStore(ready: Ready = baseReady) {
  vi.resetModules();
  const { WorkspaceStore } = await import('../src/workspace/store');
  const store = new WorkspaceStore();
  const apply = (ev: DispatchEvent) => (store as unknown as { apply(e: DispatchEvent): void }).apply(ev);
  apply({ t: 'READY', d: ready });
  (store as unknown as { set(p: object): void }).set({ activeChannelId: '10', messages: { '10': { items: [], loading: false, hasMore: false } } });
  return { store, apply, s: () => store.getState() };
}

describe('mention counts', () => {
  it('start from READY, grow with MESSAGE_CREATE mentioning me elsewhere, and clear when the channel is opened', async () => {
    const { store, apply, s } = await freshStore();
    expect(s().mentions['11']).toBe(2);
    apply({ t: 'MESSAGE_CREATE', d: msg('100', { channel_id: '11', content: 'hi <@1>', mentions: ['1'] }) });
    apply({ t: 'MESSAGE_CREATE', d: msg('101', { channel_id: '11', content: 'hi <@2>', mentions: ['2'] }) });
    expect(s().mentions['11']).toBe(3);
    expect(s().unread['11']).toBe(6);
    // In the channel being viewed, a mention is read at once.
    apply({ t: 'MESSAGE_CREATE', d: msg('102', { content: '<@1>', mentions: ['1'] }) });
    expect(s().mentions['10'] ?? 0).toBe(0);
    store.openChannel('11');
    expect(s().mentions['11']).toBe(0);
    expect(s().unread['11']).toBe(0);
  });
});

describe('own timeout', () => {
  it('comes from READY with its reason and lifts itself at the end', async () => {
    vi.useFakeTimers();
    const until = Date.now() + 60_000;
    const { s } = await freshStore({ ...baseReady, muted_until: new Date(until).toISOString(), muted_reason: 'spamming links' });
    expect(s().mutedUntil).toBe(until);
    expect(s().mutedReason).toBe('spamming links');
    vi.advanceTimersByTime(60_100);
    expect(s().mutedUntil).toBeUndefined();
    expect(s().mutedReason).toBeUndefined();
  });

  it('is set by MEMBER_UPDATE about me, lifted by a bare one, and ignores other members and tier changes', async () => {
    const { apply, s } = await freshStore();
    const until = new Date(Date.now() + 600_000).toISOString();
    apply({ t: 'MEMBER_UPDATE', d: { user_id: '2', muted_until: until } });
    expect(s().mutedUntil).toBeUndefined();
    apply({ t: 'MEMBER_UPDATE', d: { user_id: '1', muted_until: until, muted_reason: 'cool down' } });
    expect(s().mutedUntil).toBe(Date.parse(until));
    expect(s().mutedReason).toBe('cool down');
    apply({ t: 'MEMBER_UPDATE', d: { user_id: '1', tier: 'gold' } });
    apply({ t: 'MEMBER_UPDATE', d: { user_id: '1', display_name: 'Ana O.' } });
    expect(s().mutedReason).toBe('cool down');
    apply({ t: 'MEMBER_UPDATE', d: { user_id: '1' } });
    expect(s().mutedUntil).toBeUndefined();
  });

  it('is learnt from a write refused with forbidden + retry_after_ms', async () => {
    const { store, s } = await freshStore();
    const { RequestError } = await import('../src/lib/realtime/client');
    (store as unknown as { request: () => Promise<never> }).request = () => Promise.reject(new RequestError('forbidden', 'you are timed out for 30 more s', 30_000));
    const err = await store.sendMessage('10', 'hello');
    expect(err?.code).toBe('forbidden');
    expect(s().mutedUntil).toBeGreaterThan(Date.now() + 25_000);
    expect(s().pending['10']).toEqual([]);
  });
});

describe('member updates', () => {
  it('a new display name of mine renames me and my member entry', async () => {
    const { apply, s } = await freshStore();
    apply({ t: 'MEMBER_UPDATE', d: { user_id: '1', display_name: 'Ana O.' } });
    expect(s().me?.display_name).toBe('Ana O.');
    expect(s().members['1'].display_name).toBe('Ana O.');
  });
});

describe('direct messages', () => {
  it('a DM opened by someone else arrives as CHANNEL_CREATE and is listed', async () => {
    const { apply, s } = await freshStore();
    apply({ t: 'CHANNEL_CREATE', d: { ...chan('50', 'dm:1:2', 'dm'), name: 'Ben Carter' } });
    const { sortDms, dmPeer } = await import('../src/features/dms/DmList');
    const dms = sortDms(s().channels);
    expect(dms.map((c) => c.name)).toEqual(['Ben Carter']);
    expect(dmPeer(dms[0], '1')).toBe('2');
    expect(dmPeer(dms[0], '2')).toBe('1');
  });
});
