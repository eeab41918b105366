// @vitest-environment happy-dom
// The channel sidebar under the notification settings: a muted channel is
// dimmed with no unread badge but keeps its mention badge; the context menu
// mutes a channel at once (its unread badge goes before the server answers)
// and sends the muted list; a refused PATCH brings the badge back.
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelSidebar } from '../src/features/channels/ChannelSidebar';
import { notifySettings } from '../src/features/notifications/store';
import { workspace } from '../src/workspace/store';
import { byText, click, deferred, mount, settle, unmountAll } from './dom';

const chan = (id: string, key: string) => ({ id, key, name: key, category: 'c', kind: 'chat' as const, position: Number(id), can_post: true, slow_mode_s: 0, locked: false, last_seq: 0 });
const setWs = (p: object) => (workspace as unknown as { set(p: object): void }).set(p);
const link = (el: HTMLElement, key: string) => el.querySelector<HTMLAnchorElement>(`a[aria-label="${key}"]`)!;

beforeEach(() => {
  const storage = new Map<string, string>([['arena.session', JSON.stringify({ tenant: 'demo', email: 's', access_token: 'tok', refresh_token: 'r', expires_at: Date.now() + 3_600_000 })]]);
  vi.stubGlobal('sessionStorage', { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v), removeItem: (k: string) => void storage.delete(k) });
  setWs({
    categories: [{ key: 'c', name: 'C', position: 0 }],
    channels: [chan('10', 'general-chat'), chan('11', 'welcome'), chan('12', 'random')],
    unread: { '11': 3, '12': 2 },
    mentions: { '12': 1 },
    activeChannelId: '10',
  });
  notifySettings.reset();
});
afterEach(async () => {
  await unmountAll();
  vi.unstubAllGlobals();
});

function contextMenu(el: Element) {
  el.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: 40, clientY: 40 }));
}

describe('sidebar under notification settings', () => {
  it('mutes from the context menu: dimmed at once, unread badge gone, mention badge kept', async () => {
    const answer = deferred<Response>();
    const bodies: unknown[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit = {}) => {
      bodies.push(JSON.parse(String(init.body)));
      return answer.promise;
    });
    const el = await mount(<ChannelSidebar onNavigate={() => {}} />);
    expect(link(el, 'welcome').querySelector('[data-testid=unread-badge]')?.textContent).toBe('3');
    expect(link(el, 'welcome').className).toContain('unread');
    await act(async () => contextMenu(link(el, 'welcome')));
    await click(byText(el, '[role=menu] button', 'Mute channel'));
    // Optimistic: before the server answered.
    expect(link(el, 'welcome').querySelector('[data-testid=unread-badge]')).toBeNull();
    expect(link(el, 'welcome').className).toContain('muted-channel');
    expect(link(el, 'welcome').className).not.toContain('unread');
    expect(bodies).toEqual([{ muted_channels: ['11'] }]);
    answer.resolve(new Response(JSON.stringify({ allow_partner_dms: true, notifications: 'all', muted_channels: ['11'] }), { status: 200 }));
    await settle();
    expect(link(el, 'welcome').className).toContain('muted-channel');
    // A muted channel with a mention keeps the mention badge.
    await act(async () => contextMenu(link(el, 'random')));
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ allow_partner_dms: true, notifications: 'all', muted_channels: ['11', '12'] }), { status: 200 }));
    await click(byText(el, '[role=menu] button', 'Mute channel'));
    await settle();
    expect(link(el, 'random').className).toContain('muted-channel');
    expect(link(el, 'random').querySelector('[data-testid=mention-badge]')?.textContent).toBe('1');
  });

  it('a refused mute brings the unread badge back', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ error: { code: 'bad_request', message: 'at most 500 muted channels' } }), { status: 400 }));
    const el = await mount(<ChannelSidebar onNavigate={() => {}} />);
    await act(async () => contextMenu(link(el, 'welcome')));
    await click(byText(el, '[role=menu] button', 'Mute channel'));
    await settle();
    expect(link(el, 'welcome').className).not.toContain('muted-channel');
    expect(link(el, 'welcome').querySelector('[data-testid=unread-badge]')?.textContent).toBe('3');
    expect(workspace.getState().notice?.text).toBe('Could not mute #welcome: at most 500 muted channels');
  });
});
