//! The public account paths the web client serves (contract of issue 13):
//! `/invite/{token}`, `/reset` (ask for a link) and `/reset/{token}`.

export type PublicRoute = { page: 'invite'; token: string } | { page: 'reset-request' } | { page: 'reset'; token: string };

/** The public page a path names, if any. */
export function publicRoute(path: string): PublicRoute | null {
  let m = /^\/invite\/([^/]+)\/?$/.exec(path);
  if (m) return { page: 'invite', token: decodeURIComponent(m[1]) };
  if (/^\/reset\/?$/.test(path)) return { page: 'reset-request' };
  m = /^\/reset\/([^/]+)\/?$/.exec(path);
  if (m) return { page: 'reset', token: decodeURIComponent(m[1]) };
  return null;
}
