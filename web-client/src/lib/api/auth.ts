//! HTTP auth calls (PROTOCOL.md §7): login, refresh and logout. Errors carry the
//! server's `{error:{code,message}}` so the login form can show them inline.
import { postJson } from './http';

export { ApiError } from './http';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  /** Access token lifetime in seconds. */
  expires_in: number;
}

/**
 * What login answers when a second factor is owed instead of tokens:
 * `mfa_required` (send a TOTP or recovery code) or `mfa_enrollment_required`
 * (the workspace requires it of staff: enrol first), with a challenge that
 * lives `expires_in` seconds (issue 13 two-factor login).
 */
export interface MfaChallenge {
  mfa_required?: boolean;
  mfa_enrollment_required?: boolean;
  challenge: string;
  expires_in: number;
}

export function login(tenant: string, email: string, password: string): Promise<TokenPair | MfaChallenge> {
  return postJson('/api/v1/auth/login', { tenant, email, password });
}

export function isChallenge(a: TokenPair | MfaChallenge): a is MfaChallenge {
  return typeof (a as MfaChallenge).challenge === 'string';
}

/** The second step: a 6-digit TOTP code or a recovery code; after an enrolment also the recovery codes (shown once). */
export function verifyMfa(challenge: string, code: string): Promise<TokenPair & { recovery_codes?: string[] }> {
  return postJson('/api/v1/auth/mfa', { challenge, code });
}

/** Enrolment during a login the workspace's rule stopped: the secret and its QR code (an SVG document). */
export function enrollAtLogin(challenge: string): Promise<{ secret: string; otpauth_url: string; qr_svg: string }> {
  return postJson('/api/v1/auth/mfa/enroll', { challenge });
}

export function refresh(refreshToken: string): Promise<TokenPair> {
  return postJson('/api/v1/auth/refresh', { refresh_token: refreshToken });
}

/** Signs out on the server: revokes this login's refresh tokens and every access token (204). */
export function logout(accessToken: string, refreshToken: string): Promise<unknown> {
  return postJson('/api/v1/auth/logout', { refresh_token: refreshToken }, accessToken);
}
