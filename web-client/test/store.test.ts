// Unit tests for the workspace store's reducer: how dispatches change UI
// state (unread counts, pending-message reconciliation by nonce, edits,
// deletes, reactions, panel versions, typing). Browser globals are stubbed.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { DispatchEvent, Message, Ready } from '../src/lib/realtime/types';

beforeAll(() => {
  const mem = new Map<string, string>();
  const storage = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v), removeItem: (k: string) => void mem.delete(k) };
  vi.stubGlobal('sessionStorage', storage);
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('document', { visibilityState: 'visible', addEventListener() {}, removeEventListener() {} });
  vi.stubGlobal('location', { protocol: 'http:', host: 'localhost' });
  vi.spyOn(console, 'warn').mockImplementation(() => {}); // member.list without a socket
});

const me = { id: '1', display_name: 'Ana Ortiz', role: 'partner' as const, tier: 'gold' };
const ben = { id: '2', display_name: 'Ben Carter', role: 'partner' as const };
const chan = (id: string, key: string, kind: 'chat' | 'panel' = 'chat') => ({
  id, key, name: key, category: 'c', kind, position: Number(id), can_post: true, slow_mode_s: 0, locked: false, last_seq: 0,
});
const ready: Ready = {
  session_id: 's', user: me, tenant: { id: 't', slug: 'demo', name: 'Demo' }, categories: [{ key: 'c', name: 'C', position: 0 }],
  channels: [chan('10', 'general-chat'), chan('11', 'welcome'), chan('12', 'commissions', 'panel')],
  presences: [{ user_id: '2', status: 'online' }], node_id: 'n',
  read_states: [{ channel_id: '11', last_read_id: null, unread: 4 }],
};
let seq = 0;
const msg = (id: string, author = ben, extra: Partial<Message> = {}): Message => ({
  id, channel_id: '10', channel_seq: ++seq, author, content: `m${id}`, created_at: new Date().toISOString(), pinned: false, reactions: [], ...extra,
});

async function freshStore() {
  vi.resetModules();
  const { WorkspaceStore } = await import('../src/workspace/store');
  const store = new WorkspaceStore();
  const apply = (ev: DispatchEvent) => (store as unknown as { apply(e: DispatchEvent): void }).apply(ev);
  apply({ t: 'READY', d: ready });
  // Pretend #general-chat is open with history loaded.
  (store as unknown as { set(p: object): void }).set({ activeChannelId: '10', messages: { '10': { items: [], loading: false, hasMore: false } } });
  return { store, apply, s: () => store.getState() };
}

describe('workspace store', () => {
  it('takes unread counts and presences from READY', async () => {
    const { s } = await freshStore();
    expect(s().unread['11']).toBe(4);
    expect(s().presences['2'].status).toBe('online');
    expect(s().channels.map((c) => c.key)).toEqual(['general-chat', 'welcome', 'commissions']);
  });

  it('counts unread only for other channels and other authors', async () => {
    const { apply, s } = await freshStore();
    apply({ t: 'MESSAGE_CREATE', d: msg('100') });
    apply({ t: 'MESSAGE_CREATE', d: msg('101', ben, { channel_id: '11' }) });
    apply({ t: 'MESSAGE_CREATE', d: msg('102', me, { channel_id: '11' }) });
    expect(s().unread['10'] ?? 0).toBe(0);
    expect(s().unread['11']).toBe(5);
    expect(s().messages['10'].items.map((m) => m.id)).toEqual(['100']);
  });

  it('keeps messages ordered and unique; applies edits and deletes', async () => {
    const { apply, s } = await freshStore();
    apply({ t: 'MESSAGE_CREATE', d: msg('300') });
    apply({ t: 'MESSAGE_CREATE', d: msg('200') });
    apply({ t: 'MESSAGE_CREATE', d: msg('300') });
    expect(s().messages['10'].items.map((m) => m.id)).toEqual(['200', '300']);
    apply({ t: 'MESSAGE_UPDATE', d: msg('300', ben, { content: 'edited', edited_at: new Date().toISOString() }) });
    expect(s().messages['10'].items[1].content).toBe('edited');
    apply({ t: 'MESSAGE_DELETE', d: { id: '200', channel_id: '10' } });
    expect(s().messages['10'].items.map((m) => m.id)).toEqual(['300']);
    expect(s().deleted['200']).toBe(true);
  });

  it('replaces a pending message when its echo (same nonce) arrives', async () => {
    const { apply, s, store } = await freshStore();
    (store as unknown as { set(p: object): void }).set({
      pending: { '10': [{ nonce: 'abc', channel_id: '10', content: 'hi', status: 'failed', error: 'Connection lost' }] },
    });
    apply({ t: 'MESSAGE_CREATE', d: msg('400', me, { content: 'hi', nonce: 'abc' }) });
    expect(s().pending['10']).toEqual([]);
    expect(s().messages['10'].items.map((m) => m.content)).toEqual(['hi']);
  });

  it('tracks reaction counts and one’s own reactions', async () => {
    const { apply, s } = await freshStore();
    apply({ t: 'MESSAGE_CREATE', d: msg('500') });
    apply({ t: 'REACTION_ADD', d: { message_id: '500', channel_id: '10', user_id: '2', emoji: '🎉' } });
    apply({ t: 'REACTION_ADD', d: { message_id: '500', channel_id: '10', user_id: '1', emoji: '🎉' } });
    expect(s().messages['10'].items[0].reactions).toEqual([{ emoji: '🎉', count: 2 }]);
    expect(s().myReactions['500']).toEqual(['🎉']);
    apply({ t: 'REACTION_REMOVE', d: { message_id: '500', channel_id: '10', user_id: '1', emoji: '🎉' } });
    apply({ t: 'REACTION_REMOVE', d: { message_id: '500', channel_id: '10', user_id: '2', emoji: '🎉' } });
    expect(s().messages['10'].items[0].reactions).toEqual([]);
    expect(s().myReactions['500']).toEqual([]);
  });

  it('only takes newer panel versions', async () => {
    const { apply, s } = await freshStore();
    apply({ t: 'PANEL_UPDATE', d: { channel_id: '12', panel: { kind: 'k', version: 2, data: { title: 'two' } } } });
    apply({ t: 'PANEL_UPDATE', d: { channel_id: '12', panel: { kind: 'k', version: 1, data: { title: 'one' } } } });
    expect(s().panels['12'].panel?.data.title).toBe('two');
  });

  it('shows typing until the typist’s message arrives, ignoring oneself', async () => {
    const { apply, s } = await freshStore();
    apply({ t: 'TYPING_START', d: { channel_id: '10', user_id: '1' } });
    apply({ t: 'TYPING_START', d: { channel_id: '10', user_id: '2' } });
    expect(Object.keys(s().typing['10'])).toEqual(['2']);
    apply({ t: 'MESSAGE_CREATE', d: msg('600') });
    expect(Object.keys(s().typing['10'])).toEqual([]);
  });

  it('applies channel updates and presence changes', async () => {
    const { apply, s } = await freshStore();
    apply({ t: 'CHANNEL_UPDATE', d: { ...chan('10', 'general-chat'), slow_mode_s: 30, channel_seq: 9 } });
    expect(s().channels.find((c) => c.id === '10')?.slow_mode_s).toBe(30);
    apply({ t: 'PRESENCE_UPDATE', d: { user_id: '2', status: 'dnd' } });
    expect(s().presences['2'].status).toBe('dnd');
  });

  it('adds and removes channels as a tier change opens and closes them', async () => {
    const { apply, s } = await freshStore();
    apply({ t: 'CHANNEL_CREATE', d: { ...chan('5', 'executive-briefing'), last_seq: 7 } });
    expect(s().channels.map((c) => c.key)).toEqual(['executive-briefing', 'general-chat', 'welcome', 'commissions']);
    apply({ t: 'MEMBER_UPDATE', d: { user_id: '2', tier: 'platinum' } });
    apply({ t: 'CHANNEL_DELETE', d: { id: '10' } });
    expect(s().channels.map((c) => c.key)).toEqual(['executive-briefing', 'welcome', 'commissions']);
    expect(s().activeChannelId).toBe('5');
  });
});
