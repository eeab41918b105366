//! Avatar images as `data:` URLs: the app's Content-Security-Policy allows
//! `img-src 'self' data:` (server http/mod.rs), so neither `blob:` URLs nor
//! the bearer-protected `GET /api/v1/members/{id}/avatar` can be an `<img src>`
//! directly; both are read into a data URL.
import { getAccessToken } from '../../workspace/session';

/** The blob's bytes as a `data:<type>;base64,…` URL. */
export function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('could not read the image'));
    r.readAsDataURL(blob);
  });
}

/** Fetches an avatar path with the session's token; null when there is none (404) or on failure. */
export async function fetchAvatar(path: string): Promise<string | null> {
  try {
    const res = await fetch(path, { headers: { authorization: `Bearer ${await getAccessToken(false)}` } });
    if (!res.ok) return null;
    return await blobToDataUrl(await res.blob());
  } catch {
    return null;
  }
}
