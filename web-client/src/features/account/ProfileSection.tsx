//! Own profile: display name, bio and time zone (`PATCH /api/v1/me`).
import { useState, type FormEvent } from 'react';
import { patchMe, type Me } from '../../workspace/api';

export function ProfileSection({ me, onSaved }: { me: Me; onSaved: (m: Me) => void }) {
  const [name, setName] = useState(me.display_name);
  const [bio, setBio] = useState(me.bio);
  const [tz, setTz] = useState(me.timezone ?? '');
  const [state, setState] = useState<{ busy?: boolean; error?: string; saved?: boolean }>({});

  async function save(e: FormEvent) {
    e.preventDefault();
    setState({ busy: true });
    try {
      onSaved(await patchMe({ display_name: name.trim(), bio, timezone: tz.trim() || null }));
      setState({ saved: true });
    } catch (err) {
      setState({ error: (err as Error).message });
    }
  }

  return (
    <form className="dialog-form settings-section" onSubmit={save} aria-labelledby="profile-title">
      <h3 id="profile-title">Profile</h3>
      <label className="field">
        <span>Display name</span>
        <input value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span>Bio</span>
        <textarea value={bio} maxLength={500} rows={2} onChange={(e) => setBio(e.target.value)} />
      </label>
      <label className="field">
        <span>Time zone</span>
        <input value={tz} placeholder={Intl.DateTimeFormat().resolvedOptions().timeZone} onChange={(e) => setTz(e.target.value)} />
      </label>
      {state.error && (
        <p className="form-error" role="alert">
          {state.error}
        </p>
      )}
      {state.saved && (
        <p className="muted" role="status">
          Saved.
        </p>
      )}
      <div className="dialog-actions">
        <button type="submit" className="btn-primary" disabled={state.busy}>
          Save profile
        </button>
      </div>
    </form>
  );
}
