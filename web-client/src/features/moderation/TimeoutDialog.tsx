//! "Time out <name>": a length (60 seconds … 1 week, or lift a running
//! timeout) and a reason, sent as
//! `moderation.timeout`; the server's refusal (e.g. `forbidden` for a member
//! of one's rank or above) is shown in the dialog.
import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { TIMEOUT_CHOICES } from '../../lib/countdown';
import type { User } from '../../lib/realtime/types';
import { workspace } from '../../workspace/store';

export function TimeoutDialog({ target, onClose }: { target: User; onClose: () => void }) {
  const [minutes, setMinutes] = useState(TIMEOUT_CHOICES[2].minutes);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      await workspace.timeoutMember(target.id, minutes, reason.trim());
      onClose();
    } catch (err) {
      setError((err as Error).message || 'The timeout failed.');
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Time out ${target.display_name}`} onClose={onClose}>
      <form
        className="dialog-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="dialog-text">They can read but not post, react or edit until the timeout ends.</p>
        <fieldset className="duration-choices">
          <legend>Duration</legend>
          {TIMEOUT_CHOICES.map((c) => (
            <label key={c.minutes} className="duration-choice">
              <input type="radio" name="duration" value={c.minutes} checked={minutes === c.minutes} onChange={() => setMinutes(c.minutes)} />
              {c.label}
            </label>
          ))}
          <label className="duration-choice">
            <input type="radio" name="duration" value={0} checked={minutes === 0} onChange={() => setMinutes(0)} />
            Lift the timeout
          </label>
        </fieldset>
        <label className="field">
          <span>Reason</span>
          <textarea value={reason} maxLength={500} rows={3} onChange={(e) => setReason(e.target.value)} placeholder="Shown to them and in the audit log" />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={minutes === 0 ? 'btn-primary' : 'btn-danger'} disabled={busy}>
            {minutes === 0 ? 'Lift timeout' : 'Time out'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
