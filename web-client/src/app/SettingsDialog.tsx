//! The member's settings: profile, two-factor login and (partners) DMs,
//! loaded from `GET /api/v1/me`.
import { useEffect, useState } from 'react';
import { Dialog } from '../components/Dialog';
import { ProfileSection } from '../features/account/ProfileSection';
import { TwoFactorSection } from '../features/account/TwoFactorSection';
import { DmSettings } from '../features/dms/DmSettings';
import { fetchMe, type Me } from '../workspace/api';

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    fetchMe()
      .then(setMe)
      .catch((e: Error) => setError(e.message));
  }, []);
  return (
    <Dialog title="Settings" onClose={onClose} className="settings-dialog">
      {!me && !error && <p className="muted">Loading…</p>}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {me && (
        <>
          <ProfileSection me={me} onSaved={setMe} />
          <TwoFactorSection enabled={me.mfa_enabled} onChanged={(on) => setMe({ ...me, mfa_enabled: on })} />
          {me.role === 'partner' && <DmSettings initial={me.allow_partner_dms} />}
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn-secondary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
