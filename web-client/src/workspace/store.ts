//! The workspace store: the single source of UI state, fed by the realtime
//! client's ordered dispatches and by request results. Components read it with
//! `useWorkspace(selector)`; state objects are replaced, never mutated, so
//! selectors can compare by reference.
import { useSyncExternalStore } from 'react';
import { RealtimeClient, RequestError } from '../lib/realtime/client';
import type { Encoding } from '../lib/realtime/codec';
import type { Channel, DispatchEvent, Id, Message, OwnStatus, Panel, Presence, ReactionEvent, Ready, User } from '../lib/realtime/types';
import { makeNonce } from './ids';
import { clearSession, getAccessToken, signOut } from './session';
import {
  HISTORY_PAGE,
  MAX_LIST_PAGES,
  STATUS_KEY,
  hasMore,
  type HistoryPage,
  TYPING_SEND_EVERY_MS,
  TYPING_TTL_MS,
  initialState,
  insertSorted,
  mergeMessages,
  type PendingMessage,
  type WorkspaceState,
} from './state';

export type { ChannelMessages, PanelState, PendingMessage, WorkspaceState } from './state';

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
          ? 'You were signed out: this session was replaced or removed by a moderator.'
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
    if (this.state.unread[active]) this.set((s) => ({ unread: { ...s.unread, [active]: 0 } }));
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
        void this.refreshPresences();
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
      case 'CHANNEL_CREATE': {
        const ch = ev.d;
        this.set((s) => ({
          channels: [...s.channels.filter((c) => c.id !== ch.id), ch].sort((a, b) => a.position - b.position),
        }));
        return;
      }
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
        const { user_id, role, tier, display_name } = ev.d;
        if (user_id === this.state.me?.id && 'muted_until' in ev.d) {
          const until = ev.d.muted_until ? Date.parse(ev.d.muted_until) : undefined;
          const active = until && until > Date.now() ? until : undefined;
          this.set({ mutedUntil: active });
          if (active) setTimeout(() => this.state.mutedUntil === active && this.set({ mutedUntil: undefined }), active - Date.now() + 50);
        }
        this.set((s) => {
          const m = s.members[user_id];
          const named = display_name ? { display_name } : {};
          const meNow = s.me?.id === user_id ? { me: { ...s.me, ...named } } : {};
          if (!m) return meNow;
          return {
            members: { ...s.members, [user_id]: { ...m, ...(role ? { role } : {}), ...(tier !== undefined ? { tier } : {}), ...named } },
            ...meNow,
          };
        });
        return;
      }
    }
  }

  private onReady(ready: Ready): void {
    const channels = [...ready.channels].sort((a, b) => a.position - b.position);
    const visible = new Set(channels.map((c) => c.id));
    const unread: Record<Id, number> = {};
    const lastRead: Record<Id, Id | null> = {};
    for (const rs of ready.read_states ?? []) {
      unread[rs.channel_id] = rs.unread;
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
      members: { ...s.members, [ready.user.id]: ready.user },
      // A channel we may no longer read is dropped with its messages.
      messages: Object.fromEntries(Object.entries(s.messages).filter(([id]) => visible.has(id))),
    }));
    void this.loadMembers();
    // A large tenant's READY carries only some presences: fetch them all.
    if (ready.presences_partial) void this.refreshPresences();
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

  /** Every member, page by page (`member.list {after}` while `has_more`). */
  private async loadMembers(): Promise<void> {
    try {
      let after: Id | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const r = await this.request<{ members: User[]; has_more?: boolean }>('member.list', after ? { after } : {});
        this.set((s) => ({ members: { ...s.members, ...Object.fromEntries(r.members.map((m) => [m.id, m])) } }));
        after = r.members.at(-1)?.id;
        if (!r.has_more || !after) break;
      }
    } catch (err) {
      console.warn('[arena] member.list failed', err);
    }
  }

  /** Every visible presence, page by page (`presence.list {after}` while `has_more`). */
  private async refreshPresences(): Promise<void> {
    try {
      const all: Presence[] = [];
      let after: Id | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const r = await this.request<{ presences: Presence[]; has_more?: boolean }>('presence.list', after ? { after } : {});
        all.push(...r.presences);
        after = r.presences.at(-1)?.user_id;
        if (!r.has_more || !after) break;
      }
      this.set({ presences: Object.fromEntries(all.map((p) => [p.user_id, p])) });
    } catch (err) {
      console.warn('[arena] presence.list failed', err);
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
      if (msg.author.id !== me && !activeAndSeen) patch.unread = { ...s.unread, [cid]: (s.unread[cid] ?? 0) + 1 };
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
    this.set((s) => {
      const cm = s.messages[channelId];
      if (!cm) return {};
      const items = fn(cm.items);
      return items === cm.items ? {} : { messages: { ...s.messages, [channelId]: { ...cm, items } } };
    });
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
      return { activeChannelId: channelId, unread: { ...s.unread, [channelId]: 0 }, newSince };
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
    this.set((s) => ({ messages: { ...s.messages, [channelId]: { items: [], loading: true, hasMore: true } } }));
    try {
      const { messages, has_more } = await this.request<HistoryPage>('channel.history', { channel_id: channelId, limit: HISTORY_PAGE });
      this.set((s) => {
        const cm = s.messages[channelId] ?? { items: [], loading: false, hasMore: true };
        return {
          messages: {
            ...s.messages,
            [channelId]: { items: mergeMessages(cm.items, messages), loading: false, hasMore: hasMore(messages, has_more) },
          },
        };
      });
      this.scheduleAck(channelId);
    } catch (err) {
      // Not held: drop the entry so the next READY or visit loads again.
      this.set((s) => {
        const messages = { ...s.messages };
        delete messages[channelId];
        return { messages };
      });
      console.warn('[arena] channel.history failed', err);
    }
  }

  /** Loads the page before the oldest loaded message (scroll-up). */
  async loadOlder(channelId: Id): Promise<void> {
    const cm = this.state.messages[channelId];
    if (!cm || cm.loading || !cm.hasMore || cm.items.length === 0) return;
    const before = cm.items[0].id;
    this.set((s) => ({ messages: { ...s.messages, [channelId]: { ...s.messages[channelId], loading: true } } }));
    try {
      const { messages, has_more } = await this.request<HistoryPage>('channel.history', { channel_id: channelId, before, limit: HISTORY_PAGE });
      this.set((s) => ({
        messages: {
          ...s.messages,
          [channelId]: { items: mergeMessages(s.messages[channelId]?.items ?? [], messages), loading: false, hasMore: hasMore(messages, has_more) },
        },
      }));
    } catch (err) {
      this.set((s) => ({ messages: { ...s.messages, [channelId]: { ...s.messages[channelId], loading: false } } }));
      console.warn('[arena] older history failed', err);
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

  async loadPanel(channelId: Id): Promise<void> {
    this.set((s) => ({ panels: { ...s.panels, [channelId]: { ...s.panels[channelId], loading: true } } }));
    try {
      const { panel } = await this.request<{ panel: Panel }>('panel.get', { channel_id: channelId });
      this.set((s) => {
        const cur = s.panels[channelId]?.panel;
        const keep = cur && cur.version > panel.version ? cur : panel;
        return { panels: { ...s.panels, [channelId]: { panel: keep, loading: false } } };
      });
    } catch (err) {
      const e = err as RequestError;
      this.set((s) => ({ panels: { ...s.panels, [channelId]: { loading: false, error: { code: e.code ?? 'internal', message: e.message } } } }));
    }
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
  async sendMessage(channelId: Id, content: string, replyTo?: Id, nonce = makeNonce()): Promise<RequestError | null> {
    const pending: PendingMessage = { nonce, channel_id: channelId, content, reply_to: replyTo, status: 'sending' };
    this.set((s) => ({ pending: { ...s.pending, [channelId]: [...(s.pending[channelId] ?? []).filter((p) => p.nonce !== nonce), pending] } }));
    try {
      const msg = await this.request<Message>('message.create', {
        channel_id: channelId,
        content,
        nonce,
        ...(replyTo ? { reply_to: replyTo } : {}),
      });
      this.set((s) => {
        const cm = s.messages[channelId];
        return {
          pending: { ...s.pending, [channelId]: (s.pending[channelId] ?? []).filter((p) => p.nonce !== nonce) },
          ...(cm ? { messages: { ...s.messages, [channelId]: { ...cm, items: insertSorted(cm.items, cm.items.find((m) => m.id === msg.id) ?? msg) } } } : {}),
        };
      });
      return null;
    } catch (err) {
      const e = err instanceof RequestError ? err : new RequestError('internal', String(err));
      // If the request may have reached the server, keep the bubble: the
      // backfill after reconnect removes it by nonce if it was committed.
      const maybeSent = e.code === 'disconnected' || e.code === 'timeout';
      this.set((s) => ({
        pending: {
          ...s.pending,
          [channelId]: maybeSent
            ? (s.pending[channelId] ?? []).map((p) => (p.nonce === nonce ? { ...p, status: 'failed' as const, error: e.message } : p))
            : (s.pending[channelId] ?? []).filter((p) => p.nonce !== nonce),
        },
      }));
      return e;
    }
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

  dismissNotice(): void {
    this.set({ notice: undefined });
  }

  async editMessage(messageId: Id, content: string): Promise<boolean> {
    try {
      const msg = await this.request<Message>('message.edit', { message_id: messageId, content });
      if (msg?.id) this.updateMessages(msg.channel_id, (items) => items.map((m) => (m.id === msg.id ? msg : m)));
      return true;
    } catch (err) {
      this.notify(err, 'edit the message');
      return false;
    }
  }

  async deleteMessage(messageId: Id): Promise<void> {
    try {
      await this.request('message.delete', { message_id: messageId });
    } catch (err) {
      this.notify(err, 'delete the message');
    }
  }

  /** Staff: slow mode / lock / topic. The result also arrives as CHANNEL_UPDATE. */
  async updateChannel(channelId: Id, patch: { slow_mode_s?: number; locked?: boolean; topic?: string }): Promise<void> {
    try {
      const ch = await this.request<Channel>('channel.update', { channel_id: channelId, ...patch });
      if (ch?.id) this.set((s) => ({ channels: s.channels.map((c) => (c.id === ch.id ? { ...c, ...ch, can_post: c.can_post } : c)) }));
    } catch (err) {
      this.notify(err, 'update the channel');
    }
  }

  async setPinned(messageId: Id, pinned: boolean): Promise<void> {
    try {
      await this.request(pinned ? 'message.pin' : 'message.unpin', { message_id: messageId });
    } catch (err) {
      this.notify(err, pinned ? 'pin the message' : 'unpin the message');
    }
  }

  async toggleReaction(messageId: Id, emoji: string): Promise<void> {
    const mine = this.state.myReactions[messageId]?.includes(emoji);
    try {
      await this.request(mine ? 'reaction.remove' : 'reaction.add', { message_id: messageId, emoji });
    } catch (err) {
      const e = err as RequestError;
      if (!mine && e.code === 'conflict') {
        // Already reacted in an earlier session: the toggle means remove.
        await this.request('reaction.remove', { message_id: messageId, emoji }).catch((e2) => this.notify(e2, 'react'));
        return;
      }
      this.notify(err, 'react');
    }
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
