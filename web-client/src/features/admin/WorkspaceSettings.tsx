//! Workspace settings (admins change, staff read): two-factor login required
//! of staff and admins, and whether partners may browse the member directory
//! (`GET/PATCH /api/v1/tenant/settings`).
import { useEffect, useState } from 'react';
import { errorText } from '../account/request';
import { getSettings, patchSettings, type TenantSettings } from './api';

const TOGGLES: [keyof TenantSettings, string][] = [
  ['require_staff_mfa', 'Require two-factor login for staff and admins'],
  ['partner_directory', 'Partners can see the member directory'],
];

export function WorkspaceSettings({ canEdit }: { canEdit: boolean }) {
  const [settings, setSettings] = useState<TenantSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    getSettings().then(setSettings, (e) => setError(errorText(e)));
  }, []);

  const toggle = async (k: keyof TenantSettings, v: boolean) => {
    setBusy(true);
    setError(null);
    try {
      setSettings(await patchSettings({ [k]: v }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="admin-section" aria-label="Workspace settings">
      {!canEdit && <p className="muted">Only admins change these settings.</p>}
      {settings &&
        TOGGLES.map(([k, label]) => (
          <label key={k} className="acct-check">
            <input type="checkbox" checked={settings[k]} disabled={!canEdit || busy} onChange={(e) => void toggle(k, e.target.checked)} /> {label}
          </label>
        ))}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
