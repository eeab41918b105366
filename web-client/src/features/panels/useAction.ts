//! Sending one `panel.action` from a block: pending while in flight (a second
//! press is ignored), the server's error as plain text, nothing to undo on
//! success (the panel changes when PANEL_UPDATE arrives). An answer that
//! carries `download` is offered as a file to save.
import { useCallback, useEffect, useRef, useState } from 'react';
import { offerDownload } from './download';
import type { PanelAct } from './types';

/** The inline text for a refused or failed action: the server's message, with a lead for the code. */
export function actionErrorText(err: unknown): string {
  const e = (err ?? {}) as { code?: string; message?: string; status?: number; retryAfterMs?: number };
  const message = typeof e.message === 'string' && e.message ? e.message : '';
  switch (e.code) {
    case 'conflict':
    case 'bad_request':
      return message || 'The server refused this.';
    case 'forbidden':
      return message ? `Not allowed: ${message}` : 'You are not allowed to do this.';
    case 'not_found':
      return message ? `Not found: ${message}` : 'This record no longer exists.';
    case 'rate_limited':
    case 'slow_mode': {
      const wait = e.retryAfterMs ? ` Try again in ${Math.max(1, Math.ceil(e.retryAfterMs / 1000))} s.` : ' Try again shortly.';
      return `${message || 'Too many requests.'}${wait}`;
    }
    case 'unavailable':
      return `The server is unavailable right now; try again.${message ? ` (${message})` : ''}`;
    case 'disconnected':
    case 'timeout':
      return 'Not connected to the server; try again once reconnected.';
    default:
      return message || String(err);
  }
}

export interface ActionState {
  pending: boolean;
  error: string | null;
  /** Sends; resolves true on success, false on failure (the error is in `error`). */
  run: (action: string, params: Record<string, unknown>) => Promise<boolean>;
  clearError: () => void;
  /** Shows a refusal decided in the browser (e.g. a board move that is not allowed). */
  setError: (text: string | null) => void;
}

export function useAction(act: PanelAct): ActionState {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inflight = useRef(false);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(
    async (action: string, params: Record<string, unknown>) => {
      if (inflight.current) return false;
      inflight.current = true;
      setPending(true);
      setError(null);
      try {
        const answer = await act(action, params);
        try {
          offerDownload(answer);
        } catch (err) {
          // The change is made; only saving its file failed.
          console.warn('[arena] could not offer the download', err);
        }
        return true;
      } catch (err) {
        if (mounted.current) setError(actionErrorText(err));
        return false;
      } finally {
        inflight.current = false;
        if (mounted.current) setPending(false);
      }
    },
    [act],
  );
  const clearError = useCallback(() => setError(null), []);
  return { pending, error, run, clearError, setError };
}
