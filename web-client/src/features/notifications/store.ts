//! The member's notification settings in the browser: loaded once per
//! session from `GET /api/v1/me/settings`, changed optimistically (the badge
//! rules apply at once) and rolled back with a toast when the `PATCH` fails.
//! A `PATCH` of `muted_channels` replaces the server's whole list, so each one
//! sends the list as it is after the change; only channels the member can
//! still read are sent (the server answers 404 for any other).
import { useSyncExternalStore } from 'react';
import type { Channel, Id } from '../../lib/realtime/types';
import { fetchSettings, updateSettings, type MySettings } from '../../workspace/api';
import { workspace } from '../../workspace/store';
import type { NotifyLevel, NotifyRules } from './rules';

/** What the settings store holds; replaced on every change. */
export interface NotifyState extends NotifyRules {
  /** True once the server's settings arrived. */
  loaded: boolean;
}

/** Where failures are told and which channels exist (the workspace store in the app; a stand-in in tests). */
export interface NotifyHost {
  channels: () => Channel[];
  notice: (text: string) => void;
}

type Api = { fetch: () => Promise<MySettings>; patch: (p: Partial<MySettings>) => Promise<MySettings> };

const LEVEL_NAMES: Record<NotifyLevel, string> = { all: 'All messages', mentions: 'Only @mentions', none: 'Nothing' };

export class NotifySettingsStore {
  private state: NotifyState = { loaded: false, level: 'all', muted: new Set() };
  private listeners = new Set<() => void>();
  /** Bumped by every change of that field, so an older answer does not overwrite a newer choice. */
  private levelSeq = 0;
  private mutedSeq = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly host: NotifyHost,
    private readonly api: Api = { fetch: fetchSettings, patch: updateSettings },
  ) {}

  getState = (): NotifyState => this.state;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  private set(patch: Partial<NotifyState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  /** Loads the settings (once; again after `reset`). A failure keeps the defaults and is retried by the next `load`. */
  load(): Promise<void> {
    if (this.state.loaded) return Promise.resolve();
    this.loading ??= this.api
      .fetch()
      .then((s) => this.accept(s, this.levelSeq, this.mutedSeq))
      .catch(() => {})
      .finally(() => (this.loading = null));
    return this.loading;
  }

  /** Forgets the settings (logout). */
  reset(): void {
    this.levelSeq++;
    this.mutedSeq++;
    this.set({ loaded: false, level: 'all', muted: new Set() });
  }

  private accept(s: MySettings, levelSeq: number, mutedSeq: number): void {
    const patch: Partial<NotifyState> = { loaded: true };
    if (levelSeq === this.levelSeq && (s.notifications === 'all' || s.notifications === 'mentions' || s.notifications === 'none')) patch.level = s.notifications;
    if (mutedSeq === this.mutedSeq && Array.isArray(s.muted_channels)) patch.muted = new Set(s.muted_channels.map(String));
    this.set(patch);
  }

  /** Sets the level at once; resolves false (level restored, toast shown) if the server refused it. */
  async setLevel(level: NotifyLevel): Promise<boolean> {
    const prev = this.state.level;
    if (prev === level) return true;
    const mine = ++this.levelSeq;
    this.set({ level });
    try {
      this.accept(await this.api.patch({ notifications: level }), mine, -1);
      return true;
    } catch (err) {
      if (mine === this.levelSeq) this.set({ level: prev });
      this.host.notice(`Could not set notifications to “${LEVEL_NAMES[level]}”: ${(err as Error).message}`);
      return false;
    }
  }

  /** Mutes or unmutes a channel at once; resolves false (change undone, toast shown) if the server refused it. */
  async setMuted(channelId: Id, muted: boolean): Promise<boolean> {
    if (this.state.muted.has(channelId) === muted) return true;
    const mine = ++this.mutedSeq;
    this.set({ muted: toggled(this.state.muted, channelId, muted) });
    const readable = new Set(this.host.channels().map((c) => c.id));
    try {
      this.accept(await this.api.patch({ muted_channels: [...this.state.muted].filter((id) => readable.has(id)) }), -1, mine);
      return true;
    } catch (err) {
      // Undo only this change: later toggles of other channels stay.
      if (this.state.muted.has(channelId) === muted) this.set({ muted: toggled(this.state.muted, channelId, !muted) });
      const ch = this.host.channels().find((c) => c.id === channelId);
      const what = ch ? (ch.kind === 'dm' ? `@${ch.name}` : `#${ch.key}`) : 'that channel';
      this.host.notice(`Could not ${muted ? 'mute' : 'unmute'} ${what}: ${(err as Error).message}`);
      return false;
    }
  }
}

function toggled(set: ReadonlySet<Id>, id: Id, on: boolean): Set<Id> {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

/** The app's settings store, telling failures through the workspace's toast. */
export const notifySettings = new NotifySettingsStore({
  channels: () => workspace.getState().channels,
  notice: (text) => workspace.showNotice(text),
});

/** Reads the notification settings; re-renders when they change. */
export function useNotifySettings(): NotifyState {
  return useSyncExternalStore(notifySettings.subscribe, notifySettings.getState);
}
