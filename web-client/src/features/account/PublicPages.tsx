//! Signed-out account pages: accept an invite (`/invite/{token}`: the invite,
//! then display name + password → signed in), ask for a password reset link
//! (`/reset`) and set a new password (`/reset/{token}`). A 404 from the server
//! (unknown, used or expired token, or a server without these routes) is
//! shown as such, with the way back to the login page.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { navigate } from '../../app/router';
import type { TokenPair } from '../../lib/api/auth';
import { saveSession } from '../../workspace/session';
import { acceptInvite, confirmReset, getInvite, isChallenge, requestReset, type InviteInfo, type MfaChallenge } from './api';
import { MfaStep } from './MfaStep';
import { ApiError, errorText } from './request';
import type { PublicRoute } from './routes';
import { passwordProblem, profileProblem } from './validation';
import './account.css';

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="login-page">
      <div className="login-card" aria-labelledby="login-title">
        <div className="login-brand" aria-hidden="true">
          <span className="brand-mark">A</span>
        </div>
        <h1 id="login-title">{title}</h1>
        {children}
        <p>
          <button type="button" className="link-btn" onClick={() => navigate('/')}>
            Back to login
          </button>
        </p>
      </div>
    </main>
  );
}

const Err = ({ text }: { text: string | null }) =>
  text ? (
    <p className="form-error" role="alert">
      {text}
    </p>
  ) : null;

function InvitePage({ token, onLoggedIn }: { token: string; onLoggedIn: () => void }) {
  const [invite, setInvite] = useState<InviteInfo | null>(null);
  const [gone, setGone] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);

  useEffect(() => {
    getInvite(token).then((inv) => {
      setInvite(inv);
      if (inv.display_name) setName(inv.display_name);
    }, (err) =>
      setGone(err instanceof ApiError && err.status === 404 ? 'This invite link is not valid: it may have expired, been used or been revoked. Ask for a new one.' : errorText(err)),
    );
  }, [token]);

  function signIn(tokens: TokenPair) {
    if (!invite) return;
    saveSession(invite.tenant, invite.email, tokens);
    localStorage.setItem('arena.lastTenant', invite.tenant);
    navigate('/', true);
    onLoggedIn();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!invite) return;
    const p = profileProblem(name, '') ?? passwordProblem(password, confirm);
    if (p) return setError(p);
    setBusy(true);
    setError(null);
    try {
      const answer = await acceptInvite(token, name.trim(), password);
      if (isChallenge(answer)) setChallenge(answer);
      else signIn(answer);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? 'This invite is no longer valid.' : errorText(err));
    } finally {
      setBusy(false);
    }
  }

  // Staff and admins of a tenant that requires two-factor login enrol before the first sign-in.
  if (challenge && invite)
    return (
      <main className="login-page">
        <div className="login-card" aria-labelledby="login-title">
          <MfaStep challenge={challenge} email={invite.email} onSignedIn={signIn} onRestart={() => navigate('/', true)} />
        </div>
      </main>
    );
  if (gone) return <Card title="Invite not found"><Err text={gone} /></Card>;
  if (!invite) return <Card title="Opening your invite…"><p className="muted">Loading…</p></Card>;
  return (
    <Card title={`Join ${invite.tenant_name}`}>
      <p className="login-sub">
        You were invited as <strong>{invite.email}</strong> ({invite.role}
        {invite.tier ? `, ${invite.tier}` : ''}).
      </p>
      <form onSubmit={submit} noValidate className="acct-form">
        <label htmlFor="inv-name">Display name</label>
        <input id="inv-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="inv-pw">Password</label>
        <input id="inv-pw" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        <label htmlFor="inv-pw2">Confirm password</label>
        <input id="inv-pw2" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        <Err text={error} />
        <button type="submit" className="btn-primary" disabled={busy}>
          Join workspace
        </button>
      </form>
    </Card>
  );
}

function ResetRequestPage() {
  const [tenant, setTenant] = useState(() => localStorage.getItem('arena.lastTenant') ?? 'demo');
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!tenant.trim() || !email.trim()) return setError('Enter your workspace and email.');
    setError(null);
    try {
      await requestReset(tenant.trim(), email.trim());
      setSent(true);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? 'Password reset is not available on this server. Ask an admin.' : errorText(err));
    }
  }
  return (
    <Card title="Reset your password">
      {sent ? (
        <p role="status">If an account with that email exists, a reset link is on its way. It works for 30 minutes.</p>
      ) : (
        <form onSubmit={submit} noValidate className="acct-form">
          <label htmlFor="reset-tenant">Workspace</label>
          <input id="reset-tenant" value={tenant} onChange={(e) => setTenant(e.target.value)} />
          <label htmlFor="reset-email">Email</label>
          <input id="reset-email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} />
          <Err text={error} />
          <button type="submit" className="btn-primary">
            Send reset link
          </button>
        </form>
      )}
    </Card>
  );
}

function ResetConfirmPage({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const p = passwordProblem(password, confirm);
    if (p) return setError(p);
    setError(null);
    try {
      await confirmReset(token, password);
      setDone(true);
    } catch (err) {
      setError(err instanceof ApiError && (err.status === 404 || err.status === 401 || err.status === 410) ? 'This reset link is not valid any more. Ask for a new one.' : errorText(err));
    }
  }
  return (
    <Card title="Choose a new password">
      {done ? (
        <p role="status">Your password was changed and every session signed out. Log in with the new password.</p>
      ) : (
        <form onSubmit={submit} noValidate className="acct-form">
          <label htmlFor="reset-pw">New password</label>
          <input id="reset-pw" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          <label htmlFor="reset-pw2">Confirm new password</label>
          <input id="reset-pw2" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
          <Err text={error} />
          <button type="submit" className="btn-primary">
            Set password
          </button>
        </form>
      )}
    </Card>
  );
}

/** The signed-out page for a public route. */
export function PublicPage({ route, onLoggedIn }: { route: PublicRoute; onLoggedIn: () => void }) {
  if (route.page === 'invite') return <InvitePage token={route.token} onLoggedIn={onLoggedIn} />;
  if (route.page === 'reset') return <ResetConfirmPage token={route.token} />;
  return <ResetRequestPage />;
}
