//! The partner setting "Allow DMs from other partners" (`PATCH
//! /api/v1/me/settings`; staff can always open a DM).
import { useState } from 'react';
import { updateSettings } from '../../workspace/api';

export function DmSettings({ initial }: { initial: boolean }) {
  const [allow, setAllow] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function toggle(next: boolean) {
    setSaving(true);
    setError(null);
    try {
      setAllow((await updateSettings({ allow_partner_dms: next })).allow_partner_dms);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="dialog-form settings-section" aria-labelledby="dm-settings-title">
      <h3 id="dm-settings-title">Direct messages</h3>
      <label className="check-row">
        <input type="checkbox" checked={allow} disabled={saving} onChange={(e) => void toggle(e.target.checked)} />
        <span>
          Allow DMs from other partners
          <span className="muted block">Staff can always message you.</span>
        </span>
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
