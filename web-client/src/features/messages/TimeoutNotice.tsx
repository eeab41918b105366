//! What a timed-out member sees instead of the composer: until when (local
//! time), why, and a live countdown. The store lifts the timeout at its end
//! (or on MEMBER_UPDATE), which brings the composer back.
import { useEffect, useState } from 'react';
import { LockIcon } from '../../components/Icons';
import { formatCountdown } from '../../lib/countdown';

const untilFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const todayFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** "14:05:09" today, else the date and time. */
export function untilText(until: number, now = Date.now()): string {
  const d = new Date(until);
  return d.toDateString() === new Date(now).toDateString() ? todayFmt.format(d) : untilFmt.format(d);
}

export function TimeoutNotice({ until, reason }: { until: number; reason?: string }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <div className="composer-readonly timeout-notice" role="note" data-testid="timeout-notice">
      <LockIcon />
      <span>
        You are timed out until <time dateTime={new Date(until).toISOString()}>{untilText(until, now)}</time>
        {reason ? <> — {reason}</> : null}
        <span className="timeout-countdown" aria-label="time left">
          {' '}
          ({formatCountdown(until - now)} left)
        </span>
      </span>
    </div>
  );
}
