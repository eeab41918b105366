//! The audit log for staff (`GET /api/v1/audit-log`): who did what to whom,
//! why and when, newest first. Ids are shown as member names where known.
import { useCallback, useEffect, useState } from 'react';
import { CloseIcon } from '../../components/Icons';
import { fetchAuditLog, type AuditEntry } from '../../workspace/api';
import { useWorkspace } from '../../workspace/store';

const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Human wording of an audit action (unknown ones as sent). */
export function actionLabel(action: string): string {
  const known: Record<string, string> = {
    'moderation.timeout': 'timed out',
    'moderation.untimeout': 'lifted the timeout of',
    'moderation.kick': 'kicked',
    'bot.create': 'created bot',
    'bot.revoke': 'revoked bot token',
  };
  return known[action] ?? action;
}

export function AuditLog({ onClose }: { onClose: () => void }) {
  const members = useWorkspace((s) => s.members);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    setError(null);
    fetchAuditLog()
      .then(setEntries)
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(load, [load]);
  const name = (id: string) => members[id]?.display_name ?? `#${id}`;

  return (
    <aside className="side-panel" aria-label="Audit log">
      <header className="side-panel-header">
        <h2>Audit log</h2>
        <button type="button" className="link-btn" onClick={load}>
          Refresh
        </button>
        <button type="button" className="icon-btn" aria-label="Close audit log" onClick={onClose}>
          <CloseIcon />
        </button>
      </header>
      {error && (
        <p className="form-error side-panel-pad" role="alert">
          {error}
        </p>
      )}
      {!entries && !error && <p className="muted side-panel-pad">Loading…</p>}
      {entries?.length === 0 && <p className="muted side-panel-pad">No actions recorded yet.</p>}
      {entries && entries.length > 0 && (
        <ol className="audit-list">
          {entries.map((e) => (
            <li key={e.id} className="audit-entry" data-action={e.action}>
              <div>
                <strong>{name(e.actor_id)}</strong> {actionLabel(e.action)} <strong>{/^\d+$/.test(e.target) ? name(e.target) : e.target}</strong>
              </div>
              {e.reason && <div className="audit-reason">“{e.reason}”</div>}
              <time dateTime={e.created_at}>{timeFmt.format(new Date(e.created_at))}</time>
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}
