//! Ties the notification settings to the signed-in session: loaded when the
//! workspace is ready, forgotten when the shell goes (logout).
import { useEffect } from 'react';
import { notifySettings } from './store';

/** Call from the shell with its `ready` flag. */
export function useNotifySession(ready: boolean): void {
  useEffect(() => {
    if (ready) void notifySettings.load();
  }, [ready]);
  useEffect(() => () => notifySettings.reset(), []);
}
