//! Authenticated JSON requests of any method to the Arena API (docs/protocol.md
//! §7) for the account and admin screens: the session's access token (refreshed
//! when near expiry), the server's `{error: {code, message}}` as an `ApiError`.
import { ApiError } from '../../lib/api/http';
import { getAccessToken } from '../../workspace/session';

export { ApiError };

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * Sends `body` (JSON unless `contentType` is given, then as is) and parses the
 * JSON answer (`null` for 204). `auth: false` for the public routes (invites,
 * password reset, login steps). Throws `ApiError` (status 0 when unreachable).
 */
export async function apiRequest<T>(method: Method, path: string, body?: unknown, opts: { contentType?: string; auth?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    if (opts.contentType) {
      headers['content-type'] = opts.contentType;
      payload = body as BodyInit;
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
  }
  if (opts.auth !== false) {
    try {
      headers.authorization = `Bearer ${await getAccessToken(false)}`;
    } catch {
      throw new ApiError(401, 'unauthorized', 'You are signed out. Please log in again.');
    }
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, 'unavailable', 'Cannot reach the server. Check your connection and try again.');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* non-JSON body */
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'internal', err?.message ?? `Request failed (${res.status})`);
  }
  // A server without the route serves the web client's index.html (200,
  // text/html) for it: treat a non-JSON success as "no such route".
  if (text && json === null) throw new ApiError(404, 'not_found', 'This server does not offer that yet.');
  return json as T;
}

/** A message for an error shown inline: the server's words, or a plain one for 403/404/network. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 403 && !err.message) return 'You are not allowed to do that.';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
