//! The login's second step (docs/protocol.md "Two-factor login"): a 6-digit
//! code or a recovery code for `{mfa_required}`, or — when the tenant requires
//! two-factor login of staff and the member has none — the enrolment (QR code,
//! code, recovery codes) for `{mfa_enrollment_required}`. A challenge lives
//! `expires_in` seconds and takes 5 codes; past that the member starts over.
import { useEffect, useState, type FormEvent } from 'react';
import type { TokenPair } from '../../lib/api/auth';
import { enrollAtLogin, verifyMfa, type Enrolment, type MfaChallenge } from './api';
import { EnrolmentView, RecoveryCodesView } from './Enrolment';
import { ApiError, errorText } from './request';
import { totpCode } from './validation';
import './account.css';

export function MfaStep({ challenge, email, onSignedIn, onRestart }: { challenge: MfaChallenge; email: string; onSignedIn: (t: TokenPair) => void; onRestart: (why?: string) => void }) {
  const enrolling = !!challenge.mfa_enrollment_required;
  const [deadline] = useState(() => Date.now() + challenge.expires_in * 1000);
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ tokens: TokenPair; codes: string[] } | null>(null);

  const expired = () => Date.now() >= deadline;
  const failed = (err: unknown) => {
    if (err instanceof ApiError && err.status === 401) {
      if (expired()) return onRestart('The sign-in took too long. Enter your password again.');
      return setError('Wrong or already used code. Try again (a sign-in takes 5 tries).');
    }
    setError(errorText(err));
  };

  useEffect(() => {
    if (!enrolling) return;
    enrollAtLogin(challenge.challenge).then(setEnrolment, (err) =>
      err instanceof ApiError && err.status === 401 ? onRestart('The sign-in expired. Enter your password again.') : setError(errorText(err)),
    );
  }, [challenge.challenge]); // eslint-disable-line react-hooks/exhaustive-deps

  async function submit(e: FormEvent) {
    e.preventDefault();
    const value = recovery ? code.trim() : totpCode(code);
    if (!value) return setError(recovery ? 'Enter a recovery code.' : 'Enter the 6-digit code from your authenticator app.');
    if (expired()) return onRestart('The sign-in took too long. Enter your password again.');
    setBusy(true);
    setError(null);
    try {
      const r = await verifyMfa(challenge.challenge, value);
      if (r.recovery_codes?.length) setDone({ tokens: r, codes: r.recovery_codes });
      else onSignedIn(r);
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
    }
  }

  if (done) return <RecoveryCodesView codes={done.codes} account={email} onDone={() => onSignedIn(done.tokens)} />;

  return (
    <div className="mfa-step">
      <h1 id="login-title">{enrolling ? 'Set up two-factor login' : 'Two-factor login'}</h1>
      <p className="login-sub">
        {enrolling
          ? 'Your workspace requires a second factor for staff. Scan the code with an authenticator app, then enter the code it shows.'
          : recovery
            ? 'Enter one of your recovery codes.'
            : 'Enter the 6-digit code from your authenticator app.'}
      </p>
      {enrolling && enrolment && <EnrolmentView enrolment={enrolment} />}
      {enrolling && !enrolment && !error && <p className="muted">Preparing…</p>}
      <form onSubmit={submit} noValidate aria-label="Second step">
        <label htmlFor="mfa-code">{recovery ? 'Recovery code' : 'Authentication code'}</label>
        <input
          id="mfa-code"
          autoFocus
          inputMode={recovery ? 'text' : 'numeric'}
          autoComplete="one-time-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn-primary" disabled={busy || (enrolling && !enrolment)}>
          {busy ? 'Checking…' : 'Verify'}
        </button>
      </form>
      <div className="acct-row mfa-links">
        {!enrolling && (
          <button
            type="button"
            className="link-btn"
            onClick={() => {
              setRecovery((r) => !r);
              setCode('');
              setError(null);
            }}
          >
            {recovery ? 'Use the authenticator app' : 'Use a recovery code'}
          </button>
        )}
        <button type="button" className="link-btn" onClick={() => onRestart()}>
          Back to password
        </button>
      </div>
    </div>
  );
}
