//! The signed-in session: tokens kept in sessionStorage (so a reload keeps
//! the session but a closed tab forgets it) and a single-flight refresh that
//! the realtime client calls for every (re)connect.
import { logout, refresh, type TokenPair } from '../lib/api/auth';

const KEY = 'arena.session';

export interface StoredSession {
  tenant: string;
  email: string;
  access_token: string;
  refresh_token: string;
  /** Epoch ms when the access token expires. */
  expires_at: number;
}

/** Refresh this long before expiry (ms), so a token never expires mid-handshake. */
const REFRESH_MARGIN_MS = 60_000;

export function loadSession(): StoredSession | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : null;
  } catch {
    return null;
  }
}

export function saveSession(tenant: string, email: string, t: TokenPair): StoredSession {
  const s: StoredSession = {
    tenant,
    email,
    access_token: t.access_token,
    refresh_token: t.refresh_token,
    expires_at: Date.now() + t.expires_in * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

/** Signs out: forgets the session here and, best effort (not awaited), revokes its tokens on the server. */
export function signOut(): void {
  const s = loadSession();
  clearSession();
  if (s) void logout(s.access_token, s.refresh_token).catch(() => {});
}

let inflight: Promise<string> | null = null;

/** Returns a usable access token, refreshing when near expiry or when `force`d. Throws if signed out. */
export function getAccessToken(force: boolean): Promise<string> {
  const s = loadSession();
  if (!s) return Promise.reject(new Error('signed out'));
  if (!force && s.expires_at - Date.now() > REFRESH_MARGIN_MS) return Promise.resolve(s.access_token);
  if (!inflight) {
    inflight = refresh(s.refresh_token)
      .then((t) => saveSession(s.tenant, s.email, t).access_token)
      .catch((err) => {
        // A rejected refresh token means the session is over; a network
        // error keeps the old token so the reconnect loop can try again.
        if ((err as { status?: number }).status === 401) {
          clearSession();
          throw err;
        }
        return s.access_token;
      })
      .finally(() => (inflight = null));
  }
  return inflight;
}
