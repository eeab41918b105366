//! Two-factor login from the member's settings: turn it on (QR code of the
//! secret, confirm with a code, recovery codes shown once) or off (password).
import { useState } from 'react';
import { disableTotp, enableTotp, startTotp } from '../../workspace/api';

export function TwoFactorSection({ enabled, onChanged }: { enabled: boolean; onChanged: (on: boolean) => void }) {
  const [setup, setSetup] = useState<{ secret: string; qr_svg: string } | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="dialog-form settings-section" aria-labelledby="mfa-section-title">
      <h3 id="mfa-section-title">Two-factor login</h3>
      {codes ? (
        <>
          <p className="dialog-text">Two-factor login is on. Save these recovery codes: each works once, and they are not shown again.</p>
          <ul className="recovery-codes" aria-label="Recovery codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </>
      ) : enabled ? (
        <>
          <p className="dialog-text">On. Signing in asks for a code from your authenticator app.</p>
          <label className="field">
            <span>Password to turn it off</span>
            <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          <div className="dialog-actions">
            <button type="button" className="btn-danger" disabled={busy || !password} onClick={() => void run(async () => (await disableTotp(password), setPassword(''), onChanged(false)))}>
              Turn off two-factor login
            </button>
          </div>
        </>
      ) : setup ? (
        <>
          <p className="dialog-text">Scan the code with your authenticator app, then enter the 6-digit code it shows.</p>
          <div className="mfa-enrol">
            <img src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qr_svg)}`} alt="QR code for your authenticator app" width={180} height={180} />
            <p className="muted">
              Or type the key: <code data-testid="totp-secret">{setup.secret}</code>
            </p>
          </div>
          <label className="field">
            <span>Code from the app</span>
            <input autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
          </label>
          <div className="dialog-actions">
            <button
              type="button"
              className="btn-primary"
              disabled={busy || !code.trim()}
              onClick={() =>
                void run(async () => {
                  const r = await enableTotp(code.replace(/\s+/g, ''));
                  setCodes(r.recovery_codes);
                  setSetup(null);
                  onChanged(true);
                })
              }
            >
              Turn on
            </button>
          </div>
        </>
      ) : (
        <>
          <p className="dialog-text">Off. Add a code from an authenticator app to every sign-in.</p>
          <div className="dialog-actions">
            <button type="button" className="btn-primary" disabled={busy} onClick={() => void run(async () => setSetup(await startTotp()))}>
              Set up two-factor login
            </button>
          </div>
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
