//! Account settings dialog (every member): Profile, Password, Security tabs.
//! `AccountButton` is the one entry in the shell's user area that opens it.
import { useEffect, useState } from 'react';
import { getMe, type Me } from './api';
import { Dialog } from './Dialog';
import { PasswordForm } from './PasswordForm';
import { ProfileForm } from './ProfileForm';
import { errorText } from './request';
import { TwoFactorSettings } from './TwoFactorSettings';
import './account.css';

type Tab = 'profile' | 'password' | 'security';
const TABS: [Tab, string][] = [
  ['profile', 'Profile'],
  ['password', 'Password'],
  ['security', 'Security'],
];

export function AccountSettings({ onClose }: { onClose: () => void }) {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('profile');
  const reload = () =>
    getMe().then(
      (m) => setMe(m),
      (e) => setError(errorText(e)),
    );
  useEffect(() => void reload(), []);

  return (
    <Dialog title="Account settings" onClose={onClose}>
      <div className="acct-tabs" role="tablist">
        {TABS.map(([k, label]) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} className={tab === k ? 'active' : ''} onClick={() => setTab(k)}>
            {label}
          </button>
        ))}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!me && !error && <p className="muted">Loading…</p>}
      {me && tab === 'profile' && <ProfileForm me={me} onSaved={setMe} />}
      {me && tab === 'password' && <PasswordForm />}
      {me && tab === 'security' && <TwoFactorSettings me={me} onChanged={() => void reload()} />}
    </Dialog>
  );
}

/** The user-area button that opens the account settings. */
export function AccountButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="icon-btn" aria-label="Account settings" title="Account settings" onClick={() => setOpen(true)}>
        <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true">
          <path
            fill="currentColor"
            d="M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.6 7.6 0 0 0-1.7-1L15 3h-4l-.4 2.9a7.6 7.6 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.6 7.6 0 0 0 1.7 1L11 21h4l.4-2.9a7.6 7.6 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z"
          />
        </svg>
      </button>
      {open && <AccountSettings onClose={() => setOpen(false)} />}
    </>
  );
}
