//! A tiny History-API router: the app has two kinds of URL, `/` and
//! `/channels/<key>`, which does not justify a routing library.
import { useSyncExternalStore } from 'react';

const EVENT = 'arena:navigate';

export function navigate(path: string, replace = false): void {
  if (path === location.pathname) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(EVENT));
}

function subscribe(fn: () => void): () => void {
  window.addEventListener('popstate', fn);
  window.addEventListener(EVENT, fn);
  return () => {
    window.removeEventListener('popstate', fn);
    window.removeEventListener(EVENT, fn);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}

/** The channel key in `/channels/<key>`, if any. */
export function channelKeyFromPath(path: string): string | undefined {
  const m = /^\/channels\/([^/]+)\/?$/.exec(path);
  return m ? decodeURIComponent(m[1]) : undefined;
}
