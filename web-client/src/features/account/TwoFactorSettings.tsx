//! Security tab: turn two-factor login (TOTP, RFC 6238) on — QR code, a code
//! to confirm, recovery codes once — or off with the password.
import { useState, type FormEvent } from 'react';
import { disableTotp, enableTotp, startTotp, type Enrolment, type Me } from './api';
import { EnrolmentView, RecoveryCodesView } from './Enrolment';
import { errorText } from './request';
import { totpCode } from './validation';

type Step = { k: 'idle' } | { k: 'enrol'; enrolment: Enrolment } | { k: 'codes'; codes: string[] };

export function TwoFactorSettings({ me, onChanged }: { me: Me; onChanged: () => void }) {
  const [step, setStep] = useState<Step>({ k: 'idle' });
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const begin = () => run(async () => setStep({ k: 'enrol', enrolment: await startTotp() }));
  const confirm = (e: FormEvent) => {
    e.preventDefault();
    const c = totpCode(code);
    if (!c) return setError('Enter the 6-digit code from your app.');
    void run(async () => {
      const r = await enableTotp(c);
      setCode('');
      setStep({ k: 'codes', codes: r.recovery_codes });
    });
  };
  const disable = (e: FormEvent) => {
    e.preventDefault();
    if (!password) return setError('Enter your password.');
    void run(async () => {
      await disableTotp(password);
      setPassword('');
      onChanged();
    });
  };

  if (step.k === 'codes')
    return (
      <RecoveryCodesView
        codes={step.codes}
        account={me.email}
        onDone={() => {
          setStep({ k: 'idle' });
          onChanged();
        }}
      />
    );

  return (
    <section aria-labelledby="acct-2fa">
      <h3 id="acct-2fa">
        Two-factor login <span className={`badge ${me.mfa_enabled ? 'badge-on' : 'badge-off'}`}>{me.mfa_enabled ? 'On' : 'Off'}</span>
      </h3>
      {!me.mfa_enabled && step.k === 'idle' && (
        <>
          <p className="muted">Sign in with your password and a code from an authenticator app.</p>
          <button type="button" className="btn-accent" disabled={busy} onClick={() => void begin()}>
            Set up two-factor login
          </button>
        </>
      )}
      {step.k === 'enrol' && (
        <form onSubmit={confirm} noValidate>
          <EnrolmentView enrolment={step.enrolment} />
          <label htmlFor="acct-totp">6-digit code</label>
          <input id="acct-totp" inputMode="numeric" autoComplete="one-time-code" maxLength={7} value={code} onChange={(e) => setCode(e.target.value)} />
          <button type="submit" className="btn-accent" disabled={busy}>
            Turn on
          </button>
        </form>
      )}
      {me.mfa_enabled && (
        <form onSubmit={disable} noValidate>
          <label htmlFor="acct-2fa-password">Password to turn it off</label>
          <input id="acct-2fa-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          <button type="submit" className="btn-secondary btn-danger" disabled={busy}>
            Turn off two-factor login
          </button>
        </form>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
