//! The signed-in member's own timeout: set from READY (`muted_until`,
//! `muted_reason`), from MEMBER_UPDATE about them (a lift is `{user_id}`
//! alone), or from a write refused with `forbidden` + `retry_after_ms`; it
//! lifts itself when the time passes.
import type { RequestError } from '../lib/realtime/client';
import type { DispatchMap, Ready } from '../lib/realtime/types';
import type { StoreCore } from './core';

/** The pending lift per store (one timer each). */
const liftTimers = new WeakMap<StoreCore, ReturnType<typeof setTimeout>>();

/** Sets (or, with no future `until`, lifts) the timeout and arms the lift at its end. */
export function setTimedOut(core: StoreCore, until: number | undefined, reason: string | undefined): void {
  const active = until && until > Date.now() ? until : undefined;
  clearTimeout(liftTimers.get(core));
  liftTimers.delete(core);
  core.set({ mutedUntil: active, mutedReason: active ? reason || undefined : undefined });
  if (active) {
    // setTimeout holds at most ~24.8 days; re-arm for longer timeouts.
    const wait = Math.min(active - Date.now() + 50, 2 ** 31 - 1);
    liftTimers.set(
      core,
      setTimeout(() => {
        if (core.get().mutedUntil === active) setTimedOut(core, active, reason);
      }, wait),
    );
  }
}

export function timeoutFromReady(core: StoreCore, ready: Ready): void {
  setTimedOut(core, ready.muted_until ? Date.parse(ready.muted_until) : undefined, ready.muted_reason ?? undefined);
}

/**
 * MEMBER_UPDATE about the signed-in member: `muted_until` sets it; a bare
 * `{user_id}` (or `muted_until: null`) lifts it; other changes (role, tier,
 * display name …) leave it alone.
 */
export function timeoutFromMemberUpdate(core: StoreCore, d: DispatchMap['MEMBER_UPDATE']): void {
  if (d.muted_until) setTimedOut(core, Date.parse(d.muted_until), d.muted_reason ?? undefined);
  else if ('muted_until' in d || Object.keys(d).every((k) => k === 'user_id')) setTimedOut(core, undefined, undefined);
}

/** A write refused because of a timeout (`forbidden` with `retry_after_ms`): the composer turns into the notice. */
export function timeoutFromRefusal(core: StoreCore, err: RequestError): boolean {
  if (err.code !== 'forbidden' || !err.retryAfterMs) return false;
  const until = Date.now() + err.retryAfterMs;
  // Keep the known reason (READY told it); refresh the end from the server's answer.
  setTimedOut(core, until, core.get().mutedReason);
  return true;
}
