// @vitest-environment happy-dom
// The partners' public member directory (issue 13) with a scripted fetch for
// `GET /api/v1/members`: search and cursor paging in the URL, public fields
// shown, a 403 (the tenant's `partner_directory` off) explained instead of
// shown as an error, and the header button hidden for partners of such a
// tenant and for staff (who have the console).
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DirectoryButton } from '../src/features/directory/DirectoryButton';
import { CLOSED_TEXT, PublicDirectory } from '../src/features/directory/PublicDirectory';
import { workspace } from '../src/workspace/store';
import { byText, click, mount, settle, type, unmountAll } from './dom';

type Call = { url: string; method: string };
function script(answer: (c: Call) => { status: number; body?: unknown }) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const c = { url, method: init.method ?? 'GET' };
    calls.push(c);
    const a = answer(c);
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status });
  });
  return calls;
}
const closed = { status: 403, body: { error: { code: 'forbidden', message: 'this workspace keeps its directory to staff' } } };
const noAvatar = { status: 404, body: { error: { code: 'not_found', message: 'no avatar' } } };
const ana = { id: '1', display_name: 'Ana Ortiz', role: 'partner', tier: 'gold', bio: 'Runs the Madrid office.' };
const ben = { id: '3', display_name: 'Ben Carter', role: 'partner', tier: 'silver', bio: '' };
const setMe = (role: string) => (workspace as unknown as { set(p: object): void }).set({ me: { id: '9', display_name: 'Me', role } });

beforeEach(() => {
  const storage = new Map<string, string>([['arena.session', JSON.stringify({ tenant: 'demo', email: 's', access_token: 'tok', refresh_token: 'r', expires_at: Date.now() + 3_600_000 })]]);
  vi.stubGlobal('sessionStorage', { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v), removeItem: (k: string) => void storage.delete(k) });
});
afterEach(async () => {
  await unmountAll();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

async function openDirectory(onClosedByTenant = vi.fn()) {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  const el = await mount(<PublicDirectory onClose={() => {}} onClosedByTenant={onClosedByTenant} onOpenDm={() => {}} />);
  await act(() => vi.advanceTimersByTimeAsync(300));
  await settle();
  return el;
}

describe('public member directory', () => {
  it('lists public fields, searches and pages by the cursor', async () => {
    const calls = script((c) => {
      if (c.url.endsWith('/avatar')) return noAvatar;
      if (c.url.includes('after=')) return { status: 200, body: { members: [ben] } };
      return { status: 200, body: { members: [ana], next: 'CUR' } };
    });
    const el = await openDirectory();
    expect(calls[0].url).toBe('/api/v1/members?limit=30');
    const card = el.querySelector('[data-member-id="1"]');
    expect(card?.textContent).toContain('Ana Ortiz');
    expect(card?.textContent).toContain('gold');
    expect(card?.textContent).toContain('Runs the Madrid office.');
    // No avatar on the server: the initials stand in.
    expect(card?.querySelector('.avatar')?.textContent).toBe('AO');
    await click(byText(el, 'button', 'Load more'));
    await settle();
    expect(calls.filter((c) => !c.url.endsWith('/avatar')).at(-1)?.url).toBe('/api/v1/members?limit=30&after=CUR');
    expect(el.querySelectorAll('[data-member-id]')).toHaveLength(2);
    expect(byText(el, 'button', 'Load more')).toBeUndefined();
    await type(el.querySelector('input[type=search]'), 'ben');
    await act(() => vi.advanceTimersByTimeAsync(300));
    await settle();
    expect(calls.filter((c) => !c.url.endsWith('/avatar')).at(-1)?.url).toBe('/api/v1/members?q=ben&limit=30');
  });

  it('explains a workspace that keeps the directory to staff', async () => {
    script(() => closed);
    const onClosed = vi.fn();
    const el = await openDirectory(onClosed);
    expect(el.querySelector('[role=status]')?.textContent).toBe(CLOSED_TEXT);
    expect(el.querySelector('[role=alert]')).toBeNull();
    expect(onClosed).toHaveBeenCalled();
  });

  it('shows other failures as errors', async () => {
    script(() => ({ status: 500, body: { error: { code: 'internal', message: 'boom' } } }));
    const el = await openDirectory();
    expect(el.querySelector('[role=alert]')?.textContent).toBe('boom');
  });
});

describe('directory button', () => {
  it('is shown to partners when the directory answers', async () => {
    setMe('partner');
    const calls = script(() => ({ status: 200, body: { members: [ana] } }));
    const el = await mount(<DirectoryButton onOpenDm={() => {}} />);
    await settle();
    expect(calls[0].url).toBe('/api/v1/members?limit=1');
    expect(el.querySelector('button[aria-label="Member directory"]')).not.toBeNull();
  });

  it('is hidden from partners when the tenant keeps the directory to staff', async () => {
    setMe('partner');
    script(() => closed);
    const el = await mount(<DirectoryButton onOpenDm={() => {}} />);
    await settle();
    expect(el.querySelector('button[aria-label="Member directory"]')).toBeNull();
  });

  it('renders nothing for staff (they have the console) and asks nothing', async () => {
    setMe('staff');
    const calls = script(() => ({ status: 200, body: { members: [] } }));
    const el = await mount(<DirectoryButton onOpenDm={() => {}} />);
    await settle();
    expect(el.innerHTML).toBe('');
    expect(calls).toHaveLength(0);
  });
});
