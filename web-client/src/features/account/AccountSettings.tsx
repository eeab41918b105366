//! Account settings dialog (every member): Profile, Password, Security and
//! Notifications tabs.
//! `AccountButton` is the one entry in the shell's user area that opens it;
//! the app may add settings of other features to the profile tab (`extra`).
import { useEffect, useState, type ReactNode } from 'react';
import { getMe, type Me } from './api';
import { Dialog } from './Dialog';
import { PasswordForm } from './PasswordForm';
import { ProfileForm } from './ProfileForm';
import { errorText } from './request';
import { NotificationSettings } from '../notifications/NotificationSettings';
import { TwoFactorSettings } from './TwoFactorSettings';
import './account.css';

type Tab = 'profile' | 'password' | 'security' | 'notifications';
const TABS: [Tab, string][] = [
  ['profile', 'Profile'],
  ['password', 'Password'],
  ['security', 'Security'],
  ['notifications', 'Notifications'],
];

export function AccountSettings({ onClose, extra }: { onClose: () => void; extra?: (me: Me) => ReactNode }) {
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
      {me && tab === 'profile' && extra?.(me)}
      {me && tab === 'password' && <PasswordForm />}
      {me && tab === 'security' && <TwoFactorSettings me={me} onChanged={() => void reload()} />}
      {tab === 'notifications' && <NotificationSettings />}
    </Dialog>
  );
}

/** The user-area button that opens the account settings. */
export function AccountButton({ extra }: { extra?: (me: Me) => ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="icon-btn" aria-label="Account settings" title="Account settings" onClick={() => setOpen(true)}>
        <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true">
          <path fill="currentColor" d="M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9Zm0 2c-4.4 0-8 2.2-8 5v2h10.3a6 6 0 0 1-.3-2c0-1.2.3-2.3 1-3.2-.9-.5-1.9-.8-3-.8Zm7.5 1.5-1.1-.4-.3-1.1h-1.2l-.3 1.1-1.1.4-1-.6-.8.8.6 1-.4 1.1-1.1.3v1.2l1.1.3.4 1.1-.6 1 .8.8 1-.6 1.1.4.3 1.1h1.2l.3-1.1 1.1-.4 1 .6.8-.8-.6-1 .4-1.1 1.1-.3v-1.2l-1.1-.3-.4-1.1.6-1-.8-.8-1 .6ZM18 19.5a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3Z" />
        </svg>
      </button>
      {open && <AccountSettings onClose={() => setOpen(false)} extra={extra} />}
    </>
  );
}
