// @vitest-environment happy-dom
// Component tests of the login's second step, the public invite page and the
// members directory with a scripted fetch standing in for the HTTP answers:
// what is posted, what is shown (inline errors, 404s of routes not deployed),
// and when the login completes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MfaStep } from '../src/features/account/MfaStep';
import { PublicPage } from '../src/features/account/PublicPages';
import { StaffDirectory } from '../src/features/admin/StaffDirectory';
import { byText, click, mount, settle, submit, type, unmountAll } from './dom';

type Call = { url: string; method: string; body: unknown };
function script(answer: (c: Call) => { status: number; body?: unknown }) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const c = { url, method: init.method ?? 'GET', body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body };
    calls.push(c);
    const a = answer(c);
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status });
  });
  return calls;
}
const tokens = { access_token: 'a', refresh_token: 'r', expires_in: 900 };

afterEach(async () => {
  await unmountAll();
  vi.unstubAllGlobals();
});

describe('login second step', () => {
  it('posts the 6-digit code, shows a wrong code inline, and signs in with the next', async () => {
    let wrong = true;
    const calls = script(() => (wrong ? { status: 401, body: { error: { code: 'unauthorized', message: 'wrong' } } } : { status: 200, body: tokens }));
    const signedIn = vi.fn();
    const el = await mount(<MfaStep challenge={{ mfa_required: true, challenge: 'ch1', expires_in: 300 }} email="ana@demo.test" onSignedIn={signedIn} onRestart={vi.fn()} />);
    const input = el.querySelector('#mfa-code');
    await type(input, '12345');
    await submit(el.querySelector('form'));
    expect(el.querySelector('[role=alert]')?.textContent).toMatch(/6-digit/);
    expect(calls).toHaveLength(0);
    await type(input, '123 456');
    await submit(el.querySelector('form'));
    await settle();
    expect(calls[0]).toMatchObject({ url: '/api/v1/auth/mfa', method: 'POST', body: { challenge: 'ch1', code: '123456' } });
    expect(el.querySelector('[role=alert]')?.textContent).toMatch(/Wrong or already used code/);
    wrong = false;
    await click(byText(el, 'button', 'Use a recovery code'));
    await type(el.querySelector('#mfa-code'), ' abcd-efgh ');
    await submit(el.querySelector('form'));
    await settle();
    expect(calls[1].body).toEqual({ challenge: 'ch1', code: 'abcd-efgh' });
    expect(signedIn).toHaveBeenCalledWith(tokens);
  });

  it('sends the member back to the password when the challenge expired', async () => {
    script(() => ({ status: 401, body: { error: { code: 'unauthorized', message: 'expired' } } }));
    const restart = vi.fn();
    const el = await mount(<MfaStep challenge={{ mfa_required: true, challenge: 'ch', expires_in: 0 }} email="a@b.c" onSignedIn={vi.fn()} onRestart={restart} />);
    await type(el.querySelector('#mfa-code'), '123456');
    await submit(el.querySelector('form'));
    await settle();
    expect(restart).toHaveBeenCalledWith(expect.stringMatching(/too long/));
  });

  it('enrols at login: QR code as an image, then the code, then recovery codes before signing in', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    const codes = Array.from({ length: 10 }, (_, i) => `rc-${i}`);
    const calls = script((c) =>
      c.url === '/api/v1/auth/mfa/enroll' ? { status: 200, body: { secret: 'JBSWY3DPEHPK3PXP', otpauth_url: 'otpauth://x', qr_svg: svg } } : { status: 200, body: { ...tokens, recovery_codes: codes } },
    );
    const signedIn = vi.fn();
    const el = await mount(<MfaStep challenge={{ mfa_enrollment_required: true, challenge: 'ch2', expires_in: 300 }} email="sam@demo.test" onSignedIn={signedIn} onRestart={vi.fn()} />);
    await settle();
    expect(calls[0].body).toEqual({ challenge: 'ch2' });
    const img = el.querySelector('img.acct-qr') as HTMLImageElement;
    expect(img.getAttribute('src')).toBe('data:image/svg+xml;base64,' + btoa(svg));
    expect(el.querySelector('script')).toBeNull();
    expect(el.textContent).toContain('JBSW Y3DP EHPK 3PXP');
    await type(el.querySelector('#mfa-code'), '654321');
    await submit(el.querySelector('form'));
    await settle();
    expect(el.querySelectorAll('.acct-codes li')).toHaveLength(10);
    expect(signedIn).not.toHaveBeenCalled();
    const done = byText(el, 'button', 'Done') as HTMLButtonElement;
    expect(done.disabled).toBe(true);
    await click(el.querySelector('.acct-check input'));
    await click(done);
    expect(signedIn).toHaveBeenCalledWith(expect.objectContaining({ access_token: 'a' }));
  });
});

describe('public pages and the directory', () => {
  it('says an invite is not valid when the server answers 404', async () => {
    script(() => ({ status: 404, body: { error: { code: 'not_found', message: 'no such invite' } } }));
    const el = await mount(<PublicPage route={{ page: 'invite', token: 't' }} onLoggedIn={vi.fn()} />);
    await settle();
    expect(el.querySelector('h1')?.textContent).toBe('Invite not found');
    expect(el.querySelector('[role=alert]')?.textContent).toMatch(/expired, been used or been revoked/);
  });

  it('accepts an invite and continues with the two-factor enrolment the tenant requires', async () => {
    const calls = script((c) =>
      c.url === '/api/v1/invites/tok'
        ? { status: 200, body: { tenant: 'demo', tenant_name: 'Demo', email: 'new@demo.test', role: 'staff', tier: null, display_name: 'New Person', expires_at: '2026-12-01T00:00:00Z' } }
        : c.url === '/api/v1/invites/tok/accept'
          ? { status: 200, body: { mfa_enrollment_required: true, challenge: 'ch9', expires_in: 300 } }
          : { status: 200, body: { secret: 'JBSWY3DPEHPK3PXP', otpauth_url: 'otpauth://x', qr_svg: '<svg/>' } },
    );
    const el = await mount(<PublicPage route={{ page: 'invite', token: 'tok' }} onLoggedIn={vi.fn()} />);
    await settle();
    expect(el.querySelector('h1')?.textContent).toBe('Join Demo');
    expect((el.querySelector('#inv-name') as HTMLInputElement).value).toBe('New Person');
    await type(el.querySelector('#inv-pw'), 'long enough');
    await type(el.querySelector('#inv-pw2'), 'long enough');
    await submit(el.querySelector('form'));
    await settle();
    expect(calls[1]).toMatchObject({ url: '/api/v1/invites/tok/accept', body: { display_name: 'New Person', password: 'long enough' } });
    expect(calls[2]).toMatchObject({ url: '/api/v1/auth/mfa/enroll', body: { challenge: 'ch9' } });
    expect(el.querySelector('h1')?.textContent).toBe('Set up two-factor login');
  });

  it('takes the web client index.html (a server without the route) as a 404', async () => {
    vi.stubGlobal('fetch', async () => new Response('<!doctype html><html></html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    const el = await mount(<PublicPage route={{ page: 'invite', token: 't' }} onLoggedIn={vi.fn()} />);
    await settle();
    expect(el.querySelector('h1')?.textContent).toBe('Invite not found');
  });

  it('lists members with filters in the URL and shows a refused action inline', async () => {
    const storage = new Map<string, string>([['arena.session', JSON.stringify({ tenant: 'demo', email: 's', access_token: 'tok', refresh_token: 'r', expires_at: Date.now() + 3_600_000 })]]);
    vi.stubGlobal('sessionStorage', { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v), removeItem: (k: string) => void storage.delete(k) });
    const ben = { id: '3', display_name: 'Ben Carter', role: 'partner', tier: 'silver', bio: '', email: 'ben@demo.test', deactivated: false, last_seen_at: new Date().toISOString(), mfa_enabled: true };
    const calls = script((c) =>
      c.method === 'GET'
        ? { status: 200, body: c.url.includes('after=') ? { members: [{ ...ben, id: '4', display_name: 'Ben Two', mfa_enabled: false }] } : { members: [ben], next: 'CUR' } } : { status: 403, body: { error: { code: 'forbidden', message: 'only admins change staff and admin accounts' } } },
    );
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const el = await mount(<StaffDirectory actor={{ id: '2', role: 'staff' }} />);
    await type(el.querySelector('input[type=search]'), 'ben');
    await vi.advanceTimersByTimeAsync(300);
    await settle();
    vi.useRealTimers();
    expect(calls.at(-1)?.url).toBe('/api/v1/members?q=ben&limit=50');
    expect(el.querySelector('tr[data-member-id="3"]')?.textContent).toContain('2FA');
    await click(byText(el, 'button', 'Load more'));
    await settle();
    expect(calls.at(-1)?.url).toBe('/api/v1/members?q=ben&limit=50&after=CUR');
    expect(el.querySelectorAll('tr[data-member-id]')).toHaveLength(2);
    expect(byText(el, 'button', 'Load more')).toBeUndefined();
    await click(byText(el, 'button', 'Revoke sessions'));
    await click(byText(el, '[role=alertdialog] button', 'Revoke'));
    await settle();
    expect(calls.find((c) => c.method === 'POST')?.url).toBe('/api/v1/members/3/revoke-sessions');
    expect(el.querySelector('[role=alert]')?.textContent).toBe('Ben Carter: only admins change staff and admin accounts');
  });
});
