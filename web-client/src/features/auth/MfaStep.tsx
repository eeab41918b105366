//! The second step of a login with two-factor on: a code from the
//! authenticator app (or a recovery code). When the workspace requires 2FA
//! of staff who have none, it first shows the QR code to enrol; after an
//! enrolment the recovery codes are shown once before the app starts.
import { useEffect, useState, type FormEvent } from 'react';
import { enrollAtLogin, verifyMfa, type MfaChallenge, type TokenPair } from '../../lib/api/auth';

export function MfaStep({ challenge, onDone, onCancel }: { challenge: MfaChallenge; onDone: (t: TokenPair) => void; onCancel: () => void }) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [enrolment, setEnrolment] = useState<{ secret: string; qr_svg: string } | null>(null);
  const [recovery, setRecovery] = useState<{ codes: string[]; tokens: TokenPair } | null>(null);

  useEffect(() => {
    if (!challenge.mfa_enrollment_required) return;
    enrollAtLogin(challenge.challenge)
      .then(setEnrolment)
      .catch((e: Error) => setError(e.message));
  }, [challenge]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!code.trim()) return setError('Enter the code from your authenticator app.');
    setBusy(true);
    setError(null);
    try {
      const r = await verifyMfa(challenge.challenge, code.replace(/\s+/g, ''));
      if (r.recovery_codes?.length) setRecovery({ codes: r.recovery_codes, tokens: r });
      else onDone(r);
    } catch (err) {
      setError((err as Error).message || 'Wrong or used code.');
    } finally {
      setBusy(false);
    }
  }

  if (recovery) {
    return (
      <div className="login-card" aria-labelledby="recovery-title">
        <h1 id="recovery-title">Save your recovery codes</h1>
        <p className="login-sub">Each works once if you lose your authenticator. They are not shown again.</p>
        <ul className="recovery-codes">
          {recovery.codes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <button type="button" className="btn-primary" onClick={() => onDone(recovery.tokens)}>
          I saved them — continue
        </button>
      </div>
    );
  }

  return (
    <form className="login-card" onSubmit={submit} noValidate aria-labelledby="mfa-title">
      <h1 id="mfa-title">Two-factor login</h1>
      {challenge.mfa_enrollment_required ? (
        <>
          <p className="login-sub">This workspace requires two-factor login for staff. Scan the code with your authenticator app, then enter the 6-digit code it shows.</p>
          {enrolment && (
            <div className="mfa-enrol">
              <img src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qr_svg)}`} alt="QR code for your authenticator app" width={180} height={180} />
              <p className="muted">
                Or type the key: <code>{enrolment.secret}</code>
              </p>
            </div>
          )}
        </>
      ) : (
        <p className="login-sub">Enter the 6-digit code from your authenticator app, or a recovery code.</p>
      )}
      <label htmlFor="mfa-code">Code</label>
      <input id="mfa-code" name="code" autoComplete="one-time-code" inputMode="text" autoFocus value={code} onChange={(e) => setCode(e.target.value)} />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="btn-primary" disabled={busy}>
        {busy ? 'Checking…' : 'Verify'}
      </button>
      <button type="button" className="link-btn" onClick={onCancel}>
        Back to sign in
      </button>
    </form>
  );
}
