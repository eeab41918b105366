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

export function login(tenant: string, email: string, password: string): Promise<TokenPair> {
  return postJson('/api/v1/auth/login', { tenant, email, password });
}

export function refresh(refreshToken: string): Promise<TokenPair> {
  return postJson('/api/v1/auth/refresh', { refresh_token: refreshToken });
}

/** Signs out on the server: revokes this login's refresh tokens and every access token (204). */
export function logout(accessToken: string, refreshToken: string): Promise<unknown> {
  return postJson('/api/v1/auth/logout', { refresh_token: refreshToken }, accessToken);
}
