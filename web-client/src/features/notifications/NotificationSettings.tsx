//! The account dialog's Notifications tab: the level (all messages, only
//! @mentions, nothing) and the muted channels with "Unmute". Changes apply at
//! once; a refused change is undone with a toast (store.ts).
import type { Channel } from '../../lib/realtime/types';
import { useWorkspace } from '../../workspace/store';
import { LEVELS, type NotifyLevel } from './rules';
import { notifySettings, useNotifySettings } from './store';

const TEXT: Record<NotifyLevel, [string, string]> = {
  all: ['All messages', 'Unread counts and mentions show on channels, DMs and the tab title.'],
  mentions: ['Only @mentions', 'Only mentions and direct messages count toward the tab title; channels still turn bold.'],
  none: ['Nothing', 'No badges or counts; channels still turn bold when they have unread messages.'],
};

const label = (c: Channel) => (c.kind === 'dm' ? `@${c.name}` : `#${c.key}`);

export function NotificationSettings() {
  const s = useNotifySettings();
  const channels = useWorkspace((w) => w.channels);
  const muted = channels.filter((c) => s.muted.has(c.id));
  return (
    <section className="dialog-form notify-settings" aria-label="Notifications">
      <fieldset className="notify-levels">
        <legend>Notify me about</legend>
        {LEVELS.map((level) => (
          <label key={level} className="check-row">
            <input type="radio" name="notify-level" value={level} checked={s.level === level} onChange={() => void notifySettings.setLevel(level)} />
            <span>
              {TEXT[level][0]}
              <span className="muted block">{TEXT[level][1]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <h3>Muted channels</h3>
      {muted.length === 0 ? (
        <p className="muted">No muted channels. Mute one with the bell in its header, or right-click it (long-press on a phone) in the sidebar.</p>
      ) : (
        <ul className="muted-list" aria-label="Muted channels">
          {muted.map((c) => (
            <li key={c.id} className="acct-row">
              <span>{label(c)}</span>
              <button type="button" className="btn-secondary" aria-label={`Unmute ${label(c)}`} onClick={() => void notifySettings.setMuted(c.id, false)}>
                Unmute
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
