//! The own-account and two-factor calls (docs/protocol.md "Own account",
//! "Two-factor login"; /work contract issue 13). Shapes as the server sends them.
import type { TokenPair } from '../../lib/api/auth';
import { apiRequest } from './request';

/** `GET /api/v1/me`. */
export interface Me {
  id: string;
  display_name: string;
  email: string;
  role: string;
  tier: string | null;
  bio: string;
  timezone: string | null;
  avatar_url: string | null;
  mfa_enabled: boolean;
  allow_partner_dms?: boolean;
}

/** A change of the profile; `timezone: null` clears it. */
export interface ProfilePatch {
  display_name?: string;
  bio?: string;
  timezone?: string | null;
}

/** `{secret (base32), otpauth_url, qr_svg (an SVG document)}`. */
export interface Enrolment {
  secret: string;
  otpauth_url: string;
  qr_svg: string;
}

/** What login answers when a second factor is owed. */
export interface MfaChallenge {
  mfa_required?: boolean;
  mfa_enrollment_required?: boolean;
  challenge: string;
  /** Seconds. */
  expires_in: number;
}

export type LoginAnswer = TokenPair | MfaChallenge;

export function isChallenge(a: LoginAnswer): a is MfaChallenge {
  return 'challenge' in a && typeof (a as MfaChallenge).challenge === 'string';
}

export const getMe = () => apiRequest<Me>('GET', '/api/v1/me');
export const patchMe = (p: ProfilePatch) => apiRequest<Me>('PATCH', '/api/v1/me', p);
/** Raw body PNG/JPEG/WebP ≤ 1 MiB → `{avatar_url}`; 400 other types, 413 larger. */
export const uploadAvatar = (file: Blob) =>
  apiRequest<{ avatar_url: string }>('PUT', '/api/v1/me/avatar', file, { contentType: file.type || 'application/octet-stream' });
/** → a fresh token pair; every other session is closed (4004). 401 wrong current password. */
export const changePassword = (current_password: string, new_password: string) =>
  apiRequest<TokenPair>('POST', '/api/v1/me/password', { current_password, new_password });

export const startTotp = () => apiRequest<Enrolment>('POST', '/api/v1/me/mfa/totp');
export const enableTotp = (code: string) => apiRequest<{ recovery_codes: string[] }>('POST', '/api/v1/me/mfa/totp/enable', { code });
export const disableTotp = (password: string) => apiRequest<null>('POST', '/api/v1/me/mfa/totp/disable', { password });

/** `POST /api/v1/auth/login`: tokens, or a challenge for the second step. */
export const loginStep = (tenant: string, email: string, password: string) =>
  apiRequest<LoginAnswer>('POST', '/api/v1/auth/login', { tenant, email, password }, { auth: false });
/** `POST /api/v1/auth/mfa`: a TOTP or recovery code → tokens (+ recovery codes after an enrolment). 401 wrong code or expired challenge. */
export const verifyMfa = (challenge: string, code: string) =>
  apiRequest<TokenPair & { recovery_codes?: string[] }>('POST', '/api/v1/auth/mfa', { challenge, code }, { auth: false });
/** `POST /api/v1/auth/mfa/enroll` for a login the tenant's rule stopped. */
export const enrollAtLogin = (challenge: string) => apiRequest<Enrolment>('POST', '/api/v1/auth/mfa/enroll', { challenge }, { auth: false });

/** Public invite (contract of issue 13; 404 when unknown, used, revoked or expired, or not deployed). */
export interface InviteInfo {
  tenant: string;
  tenant_name: string;
  email: string;
  role: string;
  tier: string | null;
  /** The name the inviter suggested, if any. */
  display_name?: string | null;
  expires_at: string;
}
export const getInvite = (token: string) => apiRequest<InviteInfo>('GET', `/api/v1/invites/${encodeURIComponent(token)}`, undefined, { auth: false });
/** The login answer: tokens, or (staff of a tenant requiring 2FA) the enrolment challenge. */
export const acceptInvite = (token: string, display_name: string, password: string) =>
  apiRequest<LoginAnswer>('POST', `/api/v1/invites/${encodeURIComponent(token)}/accept`, { display_name, password }, { auth: false });
export const requestReset = (tenant: string, email: string) =>
  apiRequest<unknown>('POST', '/api/v1/auth/password-reset', { tenant, email }, { auth: false });
export const confirmReset = (token: string, password: string) =>
  apiRequest<null>('POST', '/api/v1/auth/password-reset/confirm', { token, password }, { auth: false });
