//! Members' avatars for the directory: `GET /api/v1/members/{id}/avatar`
//! (bearer-protected, 404 without one) read into data URLs, at most once per
//! member per page load (a bounded cache: the oldest entries go first).
import { fetchAvatar } from '../account/avatarImage';

/** Most avatars kept in memory. */
export const MAX_CACHED = 500;

const cache = new Map<string, Promise<string | null>>();

/** The member's avatar as a data URL, or null when they have none (or it could not be read). */
export function memberAvatar(id: string): Promise<string | null> {
  let p = cache.get(id);
  if (!p) {
    p = fetchAvatar(`/api/v1/members/${encodeURIComponent(id)}/avatar`);
    cache.set(id, p);
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  }
  return p;
}
