//! REST calls as the signed-in member: the stored access token, refreshed
//! once and retried when the server answers 401 (an expired token).
import { ApiError, sendJson } from '../lib/api/http';
import { getAccessToken } from './session';

/** `method path` with the member's bearer token; rejects with `ApiError` (status, server code and message). */
export async function authed<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = await getAccessToken(false);
  try {
    return await sendJson<T>(method, path, body, token);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    return sendJson<T>(method, path, body, await getAccessToken(true));
  }
}

/** One audit-log entry (`GET /api/v1/audit-log`): ids as strings, `created_at` RFC 3339. */
export interface AuditEntry {
  id: string;
  actor_id: string;
  action: string;
  /** The target's id (a member id for moderation actions). */
  target: string;
  reason: string;
  created_at: string;
}

/** The newest audit entries, newest first (staff; `forbidden` otherwise). */
export async function fetchAuditLog(limit = 200): Promise<AuditEntry[]> {
  const r = await authed<{ entries: AuditEntry[] }>('GET', `/api/v1/audit-log?limit=${limit}`);
  return r.entries;
}

/** The member's own settings (`GET/PATCH /api/v1/me/settings`; docs/protocol.md). */
export interface MySettings {
  allow_partner_dms: boolean;
  /** Notification level: `all` (default), `mentions` or `none`. */
  notifications: 'all' | 'mentions' | 'none';
  /** Muted channel ids (≤ 500, readable ones); a PATCH replaces the whole list. */
  muted_channels: string[];
}

export function fetchSettings(): Promise<MySettings> {
  return authed<MySettings>('GET', '/api/v1/me/settings');
}

export function updateSettings(patch: Partial<MySettings>): Promise<MySettings> {
  return authed<MySettings>('PATCH', '/api/v1/me/settings', patch);
}

/** A member as the staff directory shows them (`GET /api/v1/members`); partners' public directory omits the staff-only fields. */
export interface DirectoryMember {
  id: string;
  display_name: string;
  role: 'admin' | 'staff' | 'partner' | 'bot';
  tier?: string | null;
  bio: string;
  email?: string;
  deactivated?: boolean;
  last_seen_at?: string | null;
  muted_until?: string | null;
  mfa_enabled?: boolean;
}

/** Directory filters; `after` is the previous page's `next`. */
export interface DirectoryQuery {
  q?: string;
  role?: string;
  status?: 'active' | 'deactivated';
  after?: string;
}

export function fetchDirectory(query: DirectoryQuery): Promise<{ members: DirectoryMember[]; next?: string | null }> {
  const params = new URLSearchParams({ limit: '50' });
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  return authed('GET', `/api/v1/members?${params}`);
}

/** Staff: change a member's tier or status (admins also the role); answers the member. */
export function patchMember(id: string, patch: { role?: string; tier?: string; deactivated?: boolean }): Promise<DirectoryMember> {
  return authed('PATCH', `/api/v1/members/${encodeURIComponent(id)}`, patch);
}

/** Staff: signs the member out everywhere (their tokens end; they sign in again). */
export function revokeSessions(id: string): Promise<unknown> {
  return authed('POST', `/api/v1/members/${encodeURIComponent(id)}/revoke-sessions`, {});
}

/** The member's own account (`GET /api/v1/me`). */
export interface Me {
  id: string;
  display_name: string;
  email: string;
  role: string;
  tier?: string | null;
  bio: string;
  /** IANA name, e.g. `Europe/Berlin`. */
  timezone?: string | null;
  avatar_url?: string | null;
  mfa_enabled: boolean;
  allow_partner_dms: boolean;
}

export function fetchMe(): Promise<Me> {
  return authed('GET', '/api/v1/me');
}

/** `PATCH /api/v1/me`; a display name change reaches everyone as MEMBER_UPDATE. */
export function patchMe(patch: { display_name?: string; bio?: string; timezone?: string | null }): Promise<Me> {
  return authed('PATCH', '/api/v1/me', patch);
}

/** Starts TOTP enrolment: the secret and its QR code (SVG); not active until a code confirms it. */
export function startTotp(): Promise<{ secret: string; otpauth_url: string; qr_svg: string }> {
  return authed('POST', '/api/v1/me/mfa/totp', {});
}

/** Confirms enrolment with a code; answers the recovery codes (shown once). */
export function enableTotp(code: string): Promise<{ recovery_codes: string[] }> {
  return authed('POST', '/api/v1/me/mfa/totp/enable', { code });
}

/** Turns two-factor login off (password required). */
export function disableTotp(password: string): Promise<unknown> {
  return authed('POST', '/api/v1/me/mfa/totp/disable', { password });
}
