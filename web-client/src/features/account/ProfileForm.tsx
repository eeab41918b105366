//! Profile tab: display name, bio, time zone (IANA names of this browser) and
//! an avatar with a preview before upload (raw body to `PUT /api/v1/me/avatar`).
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { patchMe, uploadAvatar, type Me } from './api';
import { blobToDataUrl, fetchAvatar } from './avatarImage';
import { errorText } from './request';
import { avatarProblem, MAX_BIO, profileProblem, timeZones } from './validation';

export function ProfileForm({ me, onSaved }: { me: Me; onSaved: (me: Me) => void }) {
  const [name, setName] = useState(me.display_name);
  const [bio, setBio] = useState(me.bio);
  const [tz, setTz] = useState(me.timezone ?? '');
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(() => timeZones(me.timezone), [me.timezone]);

  const [current, setCurrent] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    if (me.avatar_url) void fetchAvatar(me.avatar_url).then((u) => live && setCurrent(u));
    return () => {
      live = false;
    };
  }, [me.avatar_url, saved]);

  useEffect(() => {
    let live = true;
    if (!file) setPreview(null);
    else void blobToDataUrl(file).then((u) => live && setPreview(u), () => live && setPreview(null));
    return () => {
      live = false;
    };
  }, [file]);

  const pick = (f: File | undefined) => {
    setSaved(false);
    if (!f) return setFile(null);
    const p = avatarProblem(f);
    setError(p);
    setFile(p ? null : f);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const p = profileProblem(name, bio);
    if (p) return setError(p);
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      if (file) await uploadAvatar(file);
      const next = await patchMe({ display_name: name.trim(), bio, timezone: tz || null });
      setFile(null);
      setSaved(true);
      onSaved(next);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const shown = preview ?? current;
  return (
    <form className="acct-form" onSubmit={submit} noValidate aria-label="Profile">
      <div className="acct-avatar-row">
        {shown ? <img className="acct-avatar" src={shown} alt="Avatar preview" width={72} height={72} /> : <span className="acct-avatar acct-avatar-empty" aria-hidden="true" />}
        <label className="btn-secondary acct-file">
          Choose avatar…
          <input type="file" accept="image/png,image/jpeg,image/webp" onChange={(e) => pick(e.target.files?.[0])} aria-label="Avatar image" />
        </label>
      </div>
      <label htmlFor="acct-name">Display name</label>
      <input id="acct-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
      <label htmlFor="acct-bio">Bio</label>
      <textarea id="acct-bio" value={bio} maxLength={MAX_BIO} rows={3} onChange={(e) => setBio(e.target.value)} />
      <label htmlFor="acct-tz">Time zone</label>
      <select id="acct-tz" value={tz} onChange={(e) => setTz(e.target.value)}>
        <option value="">Not set</option>
        {zones.map((z) => (
          <option key={z} value={z}>
            {z}
          </option>
        ))}
      </select>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {saved && <p role="status">Profile saved.</p>}
      <button type="submit" className="btn-accent" disabled={busy}>
        Save profile
      </button>
    </form>
  );
}
