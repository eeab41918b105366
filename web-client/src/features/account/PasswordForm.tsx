//! Password tab: current + new + confirm. The server answers a fresh token pair
//! and closes every other session; the pair replaces this tab's stored one.
import { useState, type FormEvent } from 'react';
import { loadSession, saveSession } from '../../workspace/session';
import { changePassword } from './api';
import { ApiError, errorText } from './request';
import { passwordProblem } from './validation';

export function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    if (!current) return setError('Enter your current password.');
    const p = passwordProblem(next, confirm);
    if (p) return setError(p);
    setBusy(true);
    setError(null);
    try {
      const tokens = await changePassword(current, next);
      const s = loadSession();
      if (s) saveSession(s.tenant, s.email, tokens);
      setCurrent('');
      setNext('');
      setConfirm('');
      setDone(true);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'The current password is wrong.' : errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="acct-form" onSubmit={submit} noValidate aria-label="Change password">
      <label htmlFor="acct-pw-current">Current password</label>
      <input id="acct-pw-current" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
      <label htmlFor="acct-pw-new">New password</label>
      <input id="acct-pw-new" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
      <label htmlFor="acct-pw-confirm">Confirm new password</label>
      <input id="acct-pw-confirm" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {done && <p role="status">Password changed. Your other sessions were signed out.</p>}
      <button type="submit" className="btn-accent" disabled={busy}>
        Change password
      </button>
    </form>
  );
}
