//! "Kick <name>": a reason and a confirmation, sent as `moderation.kick`
//! (their sessions close and they must sign in again); the server's refusal
//! is shown in the dialog.
import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import type { User } from '../../lib/realtime/types';
import { workspace } from '../../workspace/store';

export function KickDialog({ target, onClose }: { target: User; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      await workspace.kickMember(target.id, reason.trim());
      onClose();
    } catch (err) {
      setError((err as Error).message || 'The kick failed.');
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Kick ${target.display_name}`} onClose={onClose}>
      <form
        className="dialog-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="dialog-text">
          Are you sure you want to kick <strong>{target.display_name}</strong>? They are signed out everywhere and must sign in again.
        </p>
        <label className="field">
          <span>Reason</span>
          <textarea value={reason} maxLength={500} rows={3} onChange={(e) => setReason(e.target.value)} placeholder="Recorded in the audit log" />
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
          <button type="submit" className="btn-danger" disabled={busy}>
            Kick
          </button>
        </div>
      </form>
    </Dialog>
  );
}
