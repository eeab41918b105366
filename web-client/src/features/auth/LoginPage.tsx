//! Login form: workspace slug, email, password. Errors are shown inline; on
//! success the tokens go to sessionStorage and `onLoggedIn` starts the app.
//! A login that owes a second factor continues in `MfaStep`.
import { useState, type FormEvent } from 'react';
import { navigate } from '../../app/router';
import { ApiError, type TokenPair } from '../../lib/api/auth';
import { isChallenge, loginStep, type MfaChallenge } from '../account/api';
import { MfaStep } from '../account/MfaStep';
import { saveSession } from '../../workspace/session';

const LAST_TENANT = 'arena.lastTenant';

export function LoginPage({ onLoggedIn, notice }: { onLoggedIn: () => void; notice?: string }) {
  const [tenant, setTenant] = useState(() => localStorage.getItem(LAST_TENANT) ?? 'demo');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);

  function finish(tokens: TokenPair) {
    saveSession(tenant.trim(), email.trim(), tokens);
    localStorage.setItem(LAST_TENANT, tenant.trim());
    onLoggedIn();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!tenant.trim() || !email.trim() || !password) {
      setError('Enter your workspace, email and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await loginStep(tenant.trim(), email.trim(), password);
      if (isChallenge(answer)) setChallenge(answer);
      else finish(answer);
    } catch (err) {
      const e2 = err as ApiError;
      setError(e2.status === 401 || e2.code === 'unauthorized' ? 'Wrong workspace, email or password.' : e2.message);
    } finally {
      setBusy(false);
    }
  }

  if (challenge)
    return (
      <main className="login-page">
        <div className="login-card" aria-labelledby="login-title">
          <MfaStep
            challenge={challenge}
            email={email.trim()}
            onSignedIn={finish}
            onRestart={(why) => {
              setChallenge(null);
              setPassword('');
              setError(why ?? null);
            }}
          />
        </div>
      </main>
    );

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <div className="login-brand" aria-hidden="true">
          <span className="brand-mark">A</span>
        </div>
        <h1 id="login-title">Welcome back to Arena</h1>
        <p className="login-sub">Your partner program workspace.</p>
        {notice && (
          <p className="login-notice" role="status">
            {notice}
          </p>
        )}
        <label htmlFor="login-tenant">Workspace</label>
        <input id="login-tenant" name="tenant" autoComplete="organization" value={tenant} onChange={(e) => setTenant(e.target.value)} placeholder="demo" />
        <label htmlFor="login-email">Email</label>
        <input id="login-email" name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} placeholder="you@company.com" />
        <label htmlFor="login-password">Password</label>
        <input id="login-password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn-primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <button type="button" className="link-btn" onClick={() => navigate('/reset')}>
          Forgot password?
        </button>
      </form>
    </main>
  );
}
