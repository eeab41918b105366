//! `activity`: a compact timeline of activity-log entries (newest first):
//! summary, actor when given, relative time with the full local time on hover.
import { formatValue, relativeTime } from './format';
import { asArray, asObject, asString } from './types';

/** The actor as the server may give it: a name, or a member object. */
function actorName(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = asObject(v);
  return asString(o.display_name) || asString(o.name);
}

export function ActivityBlock({ items, now = Date.now() }: { items: unknown; now?: number }) {
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
