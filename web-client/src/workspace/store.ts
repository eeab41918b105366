//! The workspace store: the single source of UI state, fed by the realtime
//! client's ordered dispatches and by request results. Components read it with
//! `useWorkspace(selector)`; state objects are replaced, never mutated, so
//! selectors can compare by reference.
import { useSyncExternalStore } from 'react';
import { RealtimeClient, RequestError } from '../lib/realtime/client';
import type { Encoding } from '../lib/realtime/codec';
import type { Channel, DispatchEvent, Id, Message, OwnStatus, Presence, ReactionEvent, Ready } from '../lib/realtime/types';
import type { StoreCore } from './core';
import * as actions from './actions';
import * as history from './history';
import { makeNonce } from './ids';
import * as people from './people';
import * as send from './send';
import { clearSession, getAccessToken, signOut } from './session';
import { timeoutFromMemberUpdate, timeoutFromReady } from './timeout';
import {
  STATUS_KEY,
  TYPING_SEND_EVERY_MS,
  TYPING_TTL_MS,
  initialState,
  insertSorted,
  type PendingMessage,
  type WorkspaceState,
} from './state';

export type { ChannelMessages, PanelState, PendingMessage, WorkspaceState } from './state';
export type { SearchHit, SearchParams } from './people';

/** Close 4014: the server ends a kicked member's sessions with it (docs/protocol.md `moderation.kick`). */
export const KICKED_TEXT = 'A moderator removed you from this workspace and signed you out on every device.';

export class WorkspaceStore {
  private state: WorkspaceState = initialState();
  private listeners = new Set<() => void>();
  private client: RealtimeClient | null = null;
  private lastTypingSent = new Map<Id, number>();
  private ackTimers = new Map<Id, ReturnType<typeof setTimeout>>();
  private typingSweep: ReturnType<typeof setInterval> | null = null;

  getState = (): WorkspaceState => this.state;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /** What the store's modules (history, people, timeout) work through. */
  private readonly core: StoreCore = {
    get: () => this.state,
    set: (patch) => this.set(patch),
    request: (method, params) => this.request(method, params),
  };

  private set(patch: Partial<WorkspaceState> | ((s: WorkspaceState) => Partial<WorkspaceState>)): void {
    const p = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...p };
    for (const fn of this.listeners) fn();
  }

  // ── lifecycle ─────────────────────────────────────────────────────

  /** Connects the gateway for the stored session. */
  start(encoding: Encoding): void {
    if (this.client) return;
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const client = new RealtimeClient({
      url: `${proto}://${location.host}/gateway`,
      encoding,
      getToken: getAccessToken,
      presence: () => this.state.ownStatus,
      isHeld: (id) => !!this.state.messages[id],
      panelVersions: () => {
        const out: Record<Id, number> = {};
        for (const [id, p] of Object.entries(this.state.panels)) if (p.panel) out[id] = p.panel.version;
        return out;
      },
    });
    this.client = client;
    client.on('state', ({ state }) => this.set({ connection: state }));
    client.on('dispatch', (ev) => this.apply(ev));
    client.on('fatal', ({ code, reason }) => {
      if (code === 4015) {
        // Too many sessions: a newer tab or device took this one's place.
        // The sign-in stays (the other sessions use it); reconnecting here
        // would close another of them.
        this.stop();
        this.set({
          ...initialState(),
          fatal: 'This tab was disconnected: you have too many sessions open elsewhere. Reload to continue here.',
        });
        return;
      }
      const text =
        code === 4014
          ? KICKED_TEXT
          : code === 0 || code === 4004
            ? 'Your session has expired. Please log in again.'
            : `Disconnected: ${reason}`;
      this.stop();
      clearSession();
      this.set({ ...initialState(), fatal: text });
    });
    client.on('warning', ({ message, error }) => console.warn(`[arena] ${message}`, error ?? ''));
    this.typingSweep = setInterval(() => this.sweepTyping(), 1000);
    document.addEventListener('visibilitychange', this.onVisibility);
    client.connect();
  }

  /** Coming back to the tab reads the active channel (messages arrived while hidden count as unread). */
  private onVisibility = (): void => {
    const active = this.state.activeChannelId;
    if (document.visibilityState !== 'visible' || !active) return;
    if (this.state.unread[active] || this.state.mentions[active]) {
      this.set((s) => ({ unread: { ...s.unread, [active]: 0 }, mentions: { ...s.mentions, [active]: 0 } }));
    }
    this.scheduleAck(active);
  };

  /** Disconnects and forgets everything (logout). */
  stop(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.client?.disconnect();
    this.client = null;
    if (this.typingSweep) clearInterval(this.typingSweep);
    this.typingSweep = null;
  }

  logout(): void {
    this.stop();
    signOut();
    this.state = initialState();
    for (const fn of this.listeners) fn();
  }

  private request<T>(method: string, params: object): Promise<T> {
    if (!this.client) return Promise.reject(new RequestError('disconnected', 'Not connected'));
    return this.client.request<T>(method, params);
  }

  // ── dispatches ────────────────────────────────────────────────────

  private apply(ev: DispatchEvent): void {
    switch (ev.t) {
      case 'READY':
        return this.onReady(ev.d);
      case 'RESUMED':
        // The server restores a resumed session as online; re-assert a chosen status.
        if (this.state.ownStatus !== 'online') this.client?.setPresence(this.state.ownStatus);
        void people.refreshPresences(this.core);
        this.reloadActiveIfMissing();
        return;
      case 'MESSAGE_CREATE':
        return this.onMessageCreate(ev.d);
      case 'MESSAGE_UPDATE':
        return this.updateMessages(ev.d.channel_id, (items) =>
          items.some((m) => m.id === ev.d.id) ? items.map((m) => (m.id === ev.d.id ? ev.d : m)) : items,
        );
      case 'MESSAGE_DELETE':
        this.set((s) => ({ deleted: { ...s.deleted, [ev.d.id]: true } }));
        return this.updateMessages(ev.d.channel_id, (items) => items.filter((m) => m.id !== ev.d.id));
      case 'REACTION_ADD':
      case 'REACTION_REMOVE':
        return this.onReaction(ev.d, ev.t === 'REACTION_ADD' ? 1 : -1);
      case 'TYPING_START': {
        const { channel_id, user_id } = ev.d;
        if (user_id === this.state.me?.id) return;
        this.set((s) => ({
          typing: { ...s.typing, [channel_id]: { ...s.typing[channel_id], [user_id]: Date.now() + TYPING_TTL_MS } },
        }));
        return;
      }
      case 'PRESENCE_UPDATE':
        this.set((s) => ({ presences: { ...s.presences, [ev.d.user_id]: ev.d } }));
        return;
      case 'CHANNEL_UPDATE': {
        const ch = ev.d;
        this.set((s) => ({ channels: s.channels.map((c) => (c.id === ch.id ? { ...c, ...ch } : c)) }));
        return;
      }
      case 'CHANNEL_CREATE':
        return people.upsertChannel(this.core, ev.d);
      case 'CHANNEL_DELETE': {
        const { id } = ev.d;
        const wasActive = this.state.activeChannelId === id;
        this.set((s) => ({ channels: s.channels.filter((c) => c.id !== id) }));
        if (wasActive && this.state.channels[0]) this.openChannel(this.state.channels[0].id);
        return;
      }
      case 'PANEL_UPDATE': {
        const { channel_id, panel } = ev.d;
        this.set((s) => {
          const cur = s.panels[channel_id]?.panel;
          if (cur && cur.version >= panel.version) return {};
          return { panels: { ...s.panels, [channel_id]: { panel, loading: false } } };
        });
        return;
      }
      case 'MEMBER_UPDATE': {
        const { user_id, role, tier } = ev.d;
        if (user_id === this.state.me?.id) timeoutFromMemberUpdate(this.core, ev.d);
        this.set((s) => {
          const m = s.members[user_id];
          if (!m) return {};
          const name = ev.d.display_name ? { display_name: ev.d.display_name } : {};
          const own = s.me?.id === user_id && ev.d.display_name ? { me: { ...s.me, ...name } } : {};
          return { ...own, members: { ...s.members, [user_id]: { ...m, ...(role ? { role } : {}), ...(tier !== undefined ? { tier } : {}), ...name } } };
        });
        return;
      }
    }
  }

  private onReady(ready: Ready): void {
    const channels = [...ready.channels].sort((a, b) => a.position - b.position);
    const visible = new Set(channels.map((c) => c.id));
    const unread: Record<Id, number> = {};
    const mentions: Record<Id, number> = {};
    const lastRead: Record<Id, Id | null> = {};
    for (const rs of ready.read_states ?? []) {
      unread[rs.channel_id] = rs.unread;
      if (rs.mention_count) mentions[rs.channel_id] = rs.mention_count;
      lastRead[rs.channel_id] = rs.last_read_id;
    }
    const presences: Record<Id, Presence> = {};
    for (const p of ready.presences) presences[p.user_id] = p;
    this.set((s) => ({
      ready: true,
      fatal: undefined,
      me: ready.user,
      tenant: ready.tenant,
      categories: [...ready.categories].sort((a, b) => a.position - b.position),
      channels,
      presences,
      lastRead,
      unread: { ...unread, ...(s.activeChannelId ? { [s.activeChannelId]: 0 } : {}) },
      mentions: { ...mentions, ...(s.activeChannelId ? { [s.activeChannelId]: 0 } : {}) },
      members: { ...s.members, [ready.user.id]: ready.user },
      // A channel we may no longer read is dropped with its messages.
      messages: Object.fromEntries(Object.entries(s.messages).filter(([id]) => visible.has(id))),
    }));
    timeoutFromReady(this.core, ready);
    void people.loadMembers(this.core);
    // A large tenant's READY carries only some presences: fetch them all.
    if (ready.presences_partial) void people.refreshPresences(this.core);
    this.reloadActiveIfMissing();
  }

  /** After (re)connecting: load what a failed request while offline left empty. */
  private reloadActiveIfMissing(): void {
    const active = this.state.activeChannelId;
    const ch = active ? this.state.channels.find((c) => c.id === active) : undefined;
    if (!active || !ch) return;
    if (ch.kind === 'panel') {
      const p = this.state.panels[active];
      if (!p?.panel && p?.error?.code !== 'not_found') void this.loadPanel(active);
    } else if (!this.state.messages[active]) {
      this.openChannel(active);
    }
  }

  private onMessageCreate(msg: Message): void {
    const me = this.state.me?.id;
    const cid = msg.channel_id;
    this.set((s) => {
      const patch: Partial<WorkspaceState> = {};
      if (s.messages[cid]) patch.messages = { ...s.messages, [cid]: { ...s.messages[cid], items: insertSorted(s.messages[cid].items, msg) } };
      if (msg.nonce && s.pending[cid]?.some((p) => p.nonce === msg.nonce)) {
        patch.pending = { ...s.pending, [cid]: s.pending[cid].filter((p) => p.nonce !== msg.nonce) };
      }
      if (s.typing[cid]?.[msg.author.id]) {
        const t = { ...s.typing[cid] };
        delete t[msg.author.id];
        patch.typing = { ...s.typing, [cid]: t };
      }
      const activeAndSeen = s.activeChannelId === cid && document.visibilityState === 'visible';
      if (msg.author.id !== me && !activeAndSeen) {
        patch.unread = { ...s.unread, [cid]: (s.unread[cid] ?? 0) + 1 };
        if (me && msg.mentions?.includes(me)) patch.mentions = { ...s.mentions, [cid]: (s.mentions[cid] ?? 0) + 1 };
      }
      if (!s.members[msg.author.id]) patch.members = { ...s.members, [msg.author.id]: msg.author };
      return patch;
    });
    if (this.state.activeChannelId === cid) this.scheduleAck(cid);
  }

  private onReaction(r: ReactionEvent, delta: 1 | -1): void {
    this.updateMessages(r.channel_id, (items) =>
      items.map((m) => {
        if (m.id !== r.message_id) return m;
        const reactions = m.reactions.map((x) => ({ ...x }));
        const found = reactions.find((x) => x.emoji === r.emoji);
        if (found) found.count += delta;
        else if (delta > 0) reactions.push({ emoji: r.emoji, count: 1 });
        return { ...m, reactions: reactions.filter((x) => x.count > 0) };
      }),
    );
    if (r.user_id === this.state.me?.id) {
      this.set((s) => {
        const cur = new Set(s.myReactions[r.message_id] ?? []);
        if (delta > 0) cur.add(r.emoji);
        else cur.delete(r.emoji);
        return { myReactions: { ...s.myReactions, [r.message_id]: [...cur] } };
      });
    }
  }

  private updateMessages(channelId: Id, fn: (items: Message[]) => Message[]): void {
    actions.updateMessages(this.core, channelId, fn);
  }

  private sweepTyping(): void {
    const now = Date.now();
    let changed = false;
    const typing: WorkspaceState['typing'] = {};
    for (const [cid, users] of Object.entries(this.state.typing)) {
      const live = Object.fromEntries(Object.entries(users).filter(([, exp]) => exp > now));
      if (Object.keys(live).length !== Object.keys(users).length) changed = true;
      typing[cid] = live;
    }
    if (changed) this.set({ typing });
  }

  // ── actions ───────────────────────────────────────────────────────

  /** Makes a channel active: loads its latest history or panel and marks it read. */
  openChannel(channelId: Id): void {
    this.set((s) => {
      const newSince = { ...s.newSince };
      const count = s.unread[channelId] ?? 0;
      if (count > 0) newSince[channelId] = { afterId: s.lastRead[channelId] ?? null, count };
      else if (s.activeChannelId !== channelId) delete newSince[channelId];
      return { activeChannelId: channelId, unread: { ...s.unread, [channelId]: 0 }, mentions: { ...s.mentions, [channelId]: 0 }, newSince };
    });
    if (!this.state.ready) return;
    const ch = this.state.channels.find((c) => c.id === channelId);
    if (!ch) return;
    if (ch.kind === 'panel') {
      if (!this.state.panels[channelId]?.panel) void this.loadPanel(channelId);
      return;
    }
    if (!this.state.messages[channelId]) void this.loadHistory(channelId);
    else this.scheduleAck(channelId);
  }

  private async loadHistory(channelId: Id): Promise<void> {
    if (await history.loadLatest(this.core, channelId)) this.scheduleAck(channelId);
  }

  /** Loads the page before the oldest loaded message (scroll-up). */
  async loadOlder(channelId: Id): Promise<void> {
    await history.loadOlder(this.core, channelId);
  }

  /** The list scrolled to the jump target: forget it (a later visit does not jump again). */
  clearJump(): void {
    if (this.state.jump) this.set({ jump: undefined });
  }

  /** Loads history back to `messageId` (bounded) and marks it to scroll to and flash; a notice if it is too far back. */
  async jumpTo(channelId: Id, messageId: Id): Promise<void> {
    if (!(await history.jumpTo(this.core, channelId, messageId))) {
      this.set({ notice: { text: 'Could not show that message: it is too far back or was deleted.', at: Date.now() } });
    }
  }

  /**
   * Sends `panel.action` to the channel's domain. Resolves with the domain's
   * answer once the change is committed (the panel itself follows by
   * PANEL_UPDATE); rejects with the RequestError (`conflict`, `forbidden` …).
   */
  panelAction(channelId: Id, action: string, params: Record<string, unknown>): Promise<unknown> {
    return this.request('panel.action', { channel_id: channelId, action, params });
  }

  loadPanel(channelId: Id): Promise<void> {
    return actions.loadPanel(this.core, channelId);
  }

  /** Acks the newest loaded message of a channel shortly after it was seen (one timer per channel, so switching away does not lose the ack). */
  private scheduleAck(channelId: Id): void {
    const prev = this.ackTimers.get(channelId);
    if (prev) clearTimeout(prev);
    this.ackTimers.set(
      channelId,
      setTimeout(() => {
        this.ackTimers.delete(channelId);
        const items = this.state.messages[channelId]?.items;
        const last = items?.[items.length - 1];
        if (!last || this.state.lastRead[channelId] === last.id) return;
        this.request('channel.ack', { channel_id: channelId, message_id: last.id })
          .then(() => this.set((s) => ({ lastRead: { ...s.lastRead, [channelId]: last.id } })))
          .catch(() => {});
      }, 500),
    );
  }

  /** Sends a message. Resolves with an error to show in the composer, or null. */
  sendMessage(channelId: Id, content: string, replyTo?: Id, nonce = makeNonce()): Promise<RequestError | null> {
    return send.sendMessage(this.core, channelId, content, replyTo, nonce);
  }

  retryPending(p: PendingMessage): void {
    void this.sendMessage(p.channel_id, p.content, p.reply_to, p.nonce);
  }

  discardPending(p: PendingMessage): void {
    this.set((s) => ({ pending: { ...s.pending, [p.channel_id]: (s.pending[p.channel_id] ?? []).filter((x) => x.nonce !== p.nonce) } }));
  }

  private notify(err: unknown, what: string): void {
    const e = err as RequestError;
    this.set({ notice: { text: `Could not ${what}: ${e.message ?? String(err)}`, at: Date.now() } });
  }

  /** Shows a toast (a failure outside the composer). */
  showNotice(text: string): void {
    this.set({ notice: { text, at: Date.now() } });
  }

  dismissNotice(): void {
    this.set({ notice: undefined });
  }

  private readonly notifyFn: actions.Notify = (err, what) => this.notify(err, what);

  editMessage(messageId: Id, content: string): Promise<boolean> {
    return actions.editMessage(this.core, this.notifyFn, messageId, content);
  }

  deleteMessage(messageId: Id): Promise<void> {
    return actions.deleteMessage(this.core, this.notifyFn, messageId);
  }

  /** Staff: slow mode / lock / topic. The result also arrives as CHANNEL_UPDATE. */
  updateChannel(channelId: Id, patch: { slow_mode_s?: number; locked?: boolean; topic?: string }): Promise<void> {
    return actions.updateChannel(this.core, this.notifyFn, channelId, patch);
  }

  setPinned(messageId: Id, pinned: boolean): Promise<void> {
    return actions.setPinned(this.core, this.notifyFn, messageId, pinned);
  }

  toggleReaction(messageId: Id, emoji: string): Promise<void> {
    return actions.toggleReaction(this.core, this.notifyFn, messageId, emoji);
  }

  // ── people: DMs, moderation, search ───────────────────────────────

  /** Opens (or creates) the DM with a member; rejects with the server's RequestError. */
  openDm(userId: Id): Promise<Channel> {
    return people.openDm(this.core, userId);
  }

  /** Staff: times a member out for `minutes` (0 lifts); rejects with the server's RequestError (`forbidden` for a higher rank). */
  timeoutMember(userId: Id, minutes: number, reason: string): Promise<string | null> {
    return people.timeoutMember(this.core, userId, minutes, reason);
  }

  /** Staff: kicks a member (their sessions close with 4014). */
  kickMember(userId: Id, reason: string): Promise<void> {
    return people.kickMember(this.core, userId, reason);
  }

  search(p: people.SearchParams): Promise<{ hits: people.SearchHit[]; has_more?: boolean }> {
    return people.search(this.core, p);
  }

  /** Called on composer input; throttled per channel. */
  typing(channelId: Id): void {
    const now = Date.now();
    if (now - (this.lastTypingSent.get(channelId) ?? 0) < TYPING_SEND_EVERY_MS) return;
    this.lastTypingSent.set(channelId, now);
    this.request('typing.start', { channel_id: channelId }).catch(() => {});
  }

  /** Resets the typing throttle after a send so the next keystroke announces again. */
  sent(channelId: Id): void {
    this.lastTypingSent.delete(channelId);
  }

  setStatus(status: OwnStatus): void {
    try {
      sessionStorage.setItem(STATUS_KEY, status);
    } catch {
      /* ignore */
    }
    this.set({ ownStatus: status });
    this.client?.setPresence(status);
  }
}

export const workspace = new WorkspaceStore();

/** Reads a slice of the workspace state; re-renders when that slice changes. */
export function useWorkspace<T>(selector: (s: WorkspaceState) => T): T {
  return useSyncExternalStore(workspace.subscribe, () => selector(workspace.getState()));
}
