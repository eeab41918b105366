// Unit tests of the account and admin screens' pure parts: form validation,
// recovery-code text, directory query building, relative times, row rights,
// public routes, the SVG data URL, and MEMBER_UPDATE carrying a new name.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { svgDataUrl } from '../src/features/account/Enrolment';
import { publicRoute } from '../src/features/account/routes';
import { avatarProblem, groupSecret, passwordProblem, profileProblem, recoveryCodesText, timeZones, totpCode } from '../src/features/account/validation';
import { inviteProblem } from '../src/features/admin/Invites';
import { directoryPath, inviteRoles, relativeTime, rowRights, tierOptions } from '../src/features/admin/query';
import type { DispatchEvent, Ready } from '../src/lib/realtime/types';

describe('account form validation', () => {
  it('checks new passwords: 8..1024 characters and a matching confirmation', () => {
    expect(passwordProblem('short', 'short')).toMatch(/at least 8/);
    expect(passwordProblem('long enough', 'long enougH')).toMatch(/do not match/);
    expect(passwordProblem('x'.repeat(1025), 'x'.repeat(1025))).toMatch(/at most 1024/);
    expect(passwordProblem('long enough', 'long enough')).toBeNull();
    // Characters, not UTF-16 units: 8 emoji are 8 characters.
    expect(passwordProblem('😀'.repeat(7), '😀'.repeat(7))).toMatch(/at least 8/);
    expect(passwordProblem('😀'.repeat(8), '😀'.repeat(8))).toBeNull();
  });

  it('checks the profile: a trimmed name of 1..64, a bio up to 190', () => {
    expect(profileProblem('   ', '')).toMatch(/Enter a display name/);
    expect(profileProblem('a'.repeat(65), '')).toMatch(/at most 64/);
    expect(profileProblem('Ben', 'b'.repeat(191))).toMatch(/at most 190/);
    expect(profileProblem('  Ben  ', 'b'.repeat(190))).toBeNull();
  });

  it('takes PNG, JPEG and WebP avatars up to 1 MiB', () => {
    expect(avatarProblem({ type: 'image/gif', size: 10 })).toMatch(/PNG, JPEG or WebP/);
    expect(avatarProblem({ type: 'image/png', size: 1024 * 1024 + 1 })).toMatch(/1 MiB/);
    expect(avatarProblem({ type: 'image/webp', size: 1024 * 1024 })).toBeNull();
  });

  it('reads 6-digit codes with spaces, refuses others', () => {
    expect(totpCode(' 123 456 ')).toBe('123456');
    expect(totpCode('12345')).toBeNull();
    expect(totpCode('12345a')).toBeNull();
  });

  it('formats recovery codes one numbered a line and groups the secret', () => {
    const codes = Array.from({ length: 10 }, (_, i) => `code-${i}`);
    const text = recoveryCodesText(codes, 'ana@demo.test', new Date('2026-01-02T03:04:05Z'));
    const lines = text.split('\n');
    expect(lines[0]).toBe('Arena recovery codes for ana@demo.test');
    expect(lines[1]).toBe('Created 2026-01-02T03:04:05.000Z');
    expect(lines.filter((l) => /^\s?\d+\. code-\d$/.test(l))).toHaveLength(10);
    expect(lines).toContain(' 1. code-0');
    expect(lines).toContain('10. code-9');
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('ABCDE')).toBe('ABCD E');
  });

  it('lists IANA time zones and keeps the current one', () => {
    const zones = timeZones('Mars/Olympus');
    expect(zones[0]).toBe('Mars/Olympus');
    expect(zones).toContain('UTC');
    expect(zones).toContain('Europe/Berlin');
  });

  it('makes a base64 data URL of the server SVG (non-ASCII safe)', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>Arena · é</title></svg>';
    const url = svgDataUrl(svg);
    expect(url.startsWith('data:image/svg+xml;base64,')).toBe(true);
    expect(Buffer.from(url.split(',')[1], 'base64').toString('utf8')).toBe(svg);
  });

  it('routes the public account pages', () => {
    expect(publicRoute('/invite/abc%2Fd')).toEqual({ page: 'invite', token: 'abc/d' });
    expect(publicRoute('/reset')).toEqual({ page: 'reset-request' });
    expect(publicRoute('/reset/')).toEqual({ page: 'reset-request' });
    expect(publicRoute('/reset/tok')).toEqual({ page: 'reset', token: 'tok' });
    expect(publicRoute('/channels/general-chat')).toBeNull();
    expect(publicRoute('/invite/')).toBeNull();
  });
});

describe('members directory helpers', () => {
  it('builds the directory URL from the set filters only', () => {
    expect(directoryPath({})).toBe('/api/v1/members');
    expect(directoryPath({ q: '  ben c ', role: '', tier: 'gold', status: 'deactivated', limit: 50, after: 'QmVu' })).toBe(
      '/api/v1/members?q=ben+c&tier=gold&status=deactivated&limit=50&after=QmVu',
    );
    expect(directoryPath({ q: 'a&b=c', role: 'staff' })).toBe('/api/v1/members?q=a%26b%3Dc&role=staff');
    expect(directoryPath({ limit: 5000 })).toBe('/api/v1/members?limit=200');
    expect(directoryPath({ limit: 0 })).toBe('/api/v1/members?limit=1');
  });

  it('says when a member was last seen, relative to now', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(relativeTime(undefined, now)).toBe('never');
    expect(relativeTime('garbage', now)).toBe('unknown');
    expect(relativeTime('2026-11-26T11:59:40Z', now)).toBe('just now');
    expect(relativeTime('2026-11-26T11:55:00Z', now)).toBe('5 minutes ago');
    expect(relativeTime('2026-11-26T09:00:00Z', now)).toBe('3 hours ago');
    expect(relativeTime('2026-11-25T12:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2026-11-05T12:00:00Z', now)).toBe('3 weeks ago');
    expect(relativeTime('2025-11-01T12:00:00Z', now)).toBe('last year');
  });

  it('offers row actions by the server rule', () => {
    const admin = { id: '1', role: 'admin' };
    const staff = { id: '2', role: 'staff' };
    const ben = { id: '3', role: 'partner' };
    const sam = { id: '4', role: 'staff' };
    expect(rowRights(staff, ben)).toEqual({ tier: true, role: false, deactivate: true, revoke: true });
    expect(rowRights(staff, sam)).toEqual({ tier: false, role: false, deactivate: false, revoke: false });
    expect(rowRights(admin, sam)).toEqual({ tier: false, role: true, deactivate: true, revoke: true });
    expect(rowRights(admin, admin).deactivate).toBe(false);
    expect(rowRights(admin, { id: '9', role: 'bot' }).role).toBe(false);
    expect(rowRights(ben, { id: '5', role: 'partner' }).tier).toBe(false);
  });

  it('lists tiers and invite roles', () => {
    expect(tierOptions(['gold', null, 'diamond'])).toEqual(['bronze', 'silver', 'gold', 'platinum', 'diamond']);
    expect(inviteRoles('staff')).toEqual(['partner']);
    expect(inviteRoles('admin')).toEqual(['partner', 'staff', 'admin']);
    expect(inviteProblem({ email: 'nope', role: 'partner' })).toMatch(/email/);
    expect(inviteProblem({ email: 'x@y.test', role: 'staff', tier: 'gold' })).toMatch(/Only partners/);
    expect(inviteProblem({ email: ' x@y.test ', role: 'partner', tier: 'gold' })).toBeNull();
  });
});

describe('MEMBER_UPDATE with a display name', () => {
  beforeAll(() => {
    const mem = new Map<string, string>();
    const storage = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v), removeItem: (k: string) => void mem.delete(k) };
    vi.stubGlobal('sessionStorage', storage);
    vi.stubGlobal('localStorage', storage);
    vi.stubGlobal('document', { visibilityState: 'visible', addEventListener() {}, removeEventListener() {} });
    vi.stubGlobal('location', { protocol: 'http:', host: 'localhost' });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });

  it('renames the member in the member map and, for oneself, `me`', async () => {
    vi.resetModules();
    const { WorkspaceStore } = await import('../src/workspace/store');
    const store = new WorkspaceStore();
    const apply = (ev: DispatchEvent) => (store as unknown as { apply(e: DispatchEvent): void }).apply(ev);
    const me = { id: '1', display_name: 'Ana Ortiz', role: 'partner' as const, tier: 'gold' };
    const ready: Ready = {
      session_id: 's', user: me, tenant: { id: 't', slug: 'demo', name: 'Demo' }, categories: [], channels: [], presences: [], node_id: 'n',
    };
    apply({ t: 'READY', d: ready });
    (store as unknown as { set(p: object): void }).set({ members: { '1': me, '2': { id: '2', display_name: 'Ben Carter', role: 'partner', tier: 'silver' } } });
    apply({ t: 'MEMBER_UPDATE', d: { user_id: '2', display_name: 'Benjamin Carter' } });
    expect(store.getState().members['2']).toEqual({ id: '2', display_name: 'Benjamin Carter', role: 'partner', tier: 'silver' });
    apply({ t: 'MEMBER_UPDATE', d: { user_id: '1', display_name: 'Ana O.' } });
    expect(store.getState().me?.display_name).toBe('Ana O.');
    expect(store.getState().members['1'].display_name).toBe('Ana O.');
    apply({ t: 'MEMBER_UPDATE', d: { user_id: '2', tier: 'gold' } });
    expect(store.getState().members['2'].display_name).toBe('Benjamin Carter');
  });
});
