//! The member's own settings (`GET/PATCH /api/v1/me/settings`): for
//! partners, whether other partners may open DMs with them (staff always may).
import { useEffect, useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { fetchSettings, updateSettings, type MySettings } from '../../workspace/api';

export function DmSettings({ onClose }: { onClose: () => void }) {
  const [settings, setSettings] = useState<MySettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    fetchSettings()
      .then(setSettings)
      .catch((e: Error) => setError(e.message));
  }, []);

  async function toggle(allow: boolean) {
    setSaving(true);
    setError(null);
    try {
      setSettings(await updateSettings({ allow_partner_dms: allow }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Dialog title="Settings" onClose={onClose}>
      <div className="dialog-form">
        {!settings && !error && <p className="muted">Loading…</p>}
        {settings && (
          <label className="check-row">
            <input type="checkbox" checked={settings.allow_partner_dms} disabled={saving} onChange={(e) => void toggle(e.target.checked)} />
            <span>
              Allow DMs from other partners
              <span className="muted block">Staff can always message you.</span>
            </span>
          </label>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
