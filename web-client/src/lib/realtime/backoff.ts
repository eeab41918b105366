//! Reconnect delays: exponential growth capped at `maxMs`, with "equal jitter"
//! (half fixed, half random) so a fleet of clients dropped by one server
//! restart does not reconnect in lockstep, yet never retries instantly.

export interface BackoffOptions {
  /** First delay ceiling in ms (attempt 0). */
  minMs: number;
  /** Upper bound for any delay, in ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 500, maxMs: 20_000 };

/**
 * Delay in ms before reconnect attempt `attempt` (0-based).
 * Result is in `[ceil/2, ceil]` where `ceil = min(maxMs, minMs * 2^attempt)`.
 * `random` must return values in [0, 1) (injectable for tests).
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(30, Math.max(0, attempt));
  const ceil = Math.min(opts.maxMs, opts.minMs * 2 ** exp);
  const half = ceil / 2;
  return Math.floor(half + random() * half);
}
