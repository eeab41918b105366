//! `activity`: a compact timeline of activity-log entries (newest first):
//! summary, actor when given, relative time with the full local time on hover.
import { useEffect, useState } from 'react';
import { formatValue, relativeTime } from './format';
import { asArray, asObject, asString } from './types';

/** The actor as the server may give it: a name, or a member object. */
function actorName(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = asObject(v);
  return asString(o.display_name) || asString(o.name);
}

/** The current time, moving on every minute so "5 minutes ago" stays true. */
function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function ActivityBlock({ items }: { items: unknown }) {
  const now = useMinuteClock();
  const entries = asArray<unknown>(items).map(asObject);
  if (entries.length === 0) return <p className="panel-empty-note">No activity yet.</p>;
  return (
    <ol className="panel-activity" aria-label="Activity">
      {entries.map((e, i) => {
        const at = asString(e.created_at);
        const actor = actorName(e.actor);
        return (
          <li key={asString(e.id) || i} className="activity-item">
            <span className="activity-dot" aria-hidden="true" />
            <div className="activity-body">
              <span className="activity-summary">{asString(e.summary)}</span>
              <span className="activity-meta">
                {actor && <span className="activity-actor">{actor}</span>}
                {actor && at && ' · '}
                {at && (
                  <time dateTime={at} title={formatValue(at)}>
                    {relativeTime(at, now) || formatValue(at)}
                  </time>
                )}
              </span>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
