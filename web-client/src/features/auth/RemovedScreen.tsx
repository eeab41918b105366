//! What a kicked member sees (close 4014, `moderation.kick`): a plain
//! statement instead of a reconnect loop, and the way back to sign-in.
export function RemovedScreen({ text, onContinue }: { text: string; onContinue: () => void }) {
  return (
    <main className="login-page">
      <div className="login-card removed-card" role="alert" aria-labelledby="removed-title">
        <div className="login-brand" aria-hidden="true">
          <span className="brand-mark">A</span>
        </div>
        <h1 id="removed-title">You were removed from the workspace</h1>
        <p className="login-sub">{text}</p>
        <button type="button" className="btn-primary" onClick={onContinue}>
          Back to sign in
        </button>
      </div>
    </main>
  );
}
